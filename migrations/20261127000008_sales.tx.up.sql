-- Sales: shipping methods, promotion codes, sales orders (a shop cart is a
-- draft sales order), payment providers and transactions, webhook log and the
-- outgoing mail box.

ALTER TABLE companies
    ADD COLUMN cart_expiry_hours integer NOT NULL DEFAULT 720 CHECK (cart_expiry_hours BETWEEN 1 AND 87600),
    ADD COLUMN max_line_quantity integer NOT NULL DEFAULT 1000 CHECK (max_line_quantity BETWEEN 1 AND 1000000);

ALTER TABLE product_templates
    ADD COLUMN volume numeric(12, 4) NOT NULL DEFAULT 0 CHECK (volume >= 0);  -- m3

-- Addresses are contacts too: a customer's saved invoice and delivery
-- addresses are child contacts of kind invoice / delivery.
ALTER TABLE contacts
    ADD COLUMN kind text NOT NULL DEFAULT 'contact' CHECK (kind IN ('contact', 'invoice', 'delivery'));
CREATE INDEX contacts_parent_idx ON contacts (parent_id) WHERE parent_id IS NOT NULL;

-- Shipping methods (Odoo's delivery carriers).
CREATE TABLE carriers (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL CHECK (btrim(name) <> ''),
    description   text NOT NULL DEFAULT '',
    kind          text NOT NULL DEFAULT 'fixed' CHECK (kind IN ('fixed', 'rules')),
    fixed_price   numeric(16, 4) NOT NULL DEFAULT 0 CHECK (fixed_price >= 0),
    free_over     numeric(16, 4) CHECK (free_over IS NULL OR free_over >= 0),  -- free when the order reaches it
    country_codes text[] NOT NULL DEFAULT '{}',                               -- empty: everywhere
    tax_id        bigint REFERENCES taxes (id) ON DELETE RESTRICT,
    tracking_url  text NOT NULL DEFAULT '',                                   -- "https://track.example/{ref}"
    sequence      integer NOT NULL DEFAULT 10,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Price rules of a "rules" carrier: the first rule (by sequence) whose
-- condition holds gives the price base_price + per_unit_price * factor.
CREATE TABLE carrier_rules (
    id             bigserial PRIMARY KEY,
    carrier_id     bigint NOT NULL REFERENCES carriers (id) ON DELETE CASCADE,
    sequence       integer NOT NULL DEFAULT 10,
    variable       text NOT NULL CHECK (variable IN ('weight', 'volume', 'quantity', 'price')),
    operator       text NOT NULL CHECK (operator IN ('<', '<=', '=', '>=', '>')),
    max_value      numeric(16, 4) NOT NULL,
    base_price     numeric(16, 4) NOT NULL DEFAULT 0 CHECK (base_price >= 0),
    per_unit_price numeric(16, 4) NOT NULL DEFAULT 0 CHECK (per_unit_price >= 0),
    factor         text NOT NULL DEFAULT 'weight' CHECK (factor IN ('weight', 'volume', 'quantity', 'price'))
);
CREATE INDEX carrier_rules_carrier_idx ON carrier_rules (carrier_id, sequence, id);

-- Promotion / coupon codes.
CREATE TABLE coupons (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{3,40}$'),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    kind        text NOT NULL CHECK (kind IN ('percent', 'fixed')),
    amount      numeric(16, 4) NOT NULL CHECK (amount > 0),
    min_amount  numeric(16, 4) NOT NULL DEFAULT 0 CHECK (min_amount >= 0),  -- order total (taxes included) before the discount
    valid_from  timestamptz,
    valid_until timestamptz,
    usage_limit integer CHECK (usage_limit IS NULL OR usage_limit > 0),
    used_count  integer NOT NULL DEFAULT 0 CHECK (used_count >= 0),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'percent' OR amount <= 100),
    CONSTRAINT coupons_usage_within CHECK (usage_limit IS NULL OR used_count <= usage_limit)
);
CREATE UNIQUE INDEX coupons_code_key ON coupons (code);

-- Order numbers come from a plain sequence (like Odoo's standard sequences):
-- taking one never waits for another checkout; an abandoned number is a gap.
CREATE SEQUENCE sale_order_number_seq;

CREATE TABLE sale_orders (
    id                  bigserial PRIMARY KEY,
    name                text UNIQUE,                  -- S00042; NULL while a cart has not been placed
    state               text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'sent', 'sale', 'cancel')),
    origin              text NOT NULL DEFAULT 'website' CHECK (origin IN ('website', 'office')),
    partner_id          bigint REFERENCES contacts (id),
    invoice_partner_id  bigint REFERENCES contacts (id),
    shipping_partner_id bigint REFERENCES contacts (id),
    user_id             bigint REFERENCES users (id),  -- the shopper's account, for carts
    salesperson_id      bigint REFERENCES users (id),
    warehouse_id        bigint REFERENCES warehouses (id),
    carrier_id          bigint REFERENCES carriers (id),
    coupon_id           bigint REFERENCES coupons (id),
    currency_code       char(3) NOT NULL,
    amount_untaxed      numeric(16, 4) NOT NULL DEFAULT 0,
    amount_tax          numeric(16, 4) NOT NULL DEFAULT 0,
    amount_total        numeric(16, 4) NOT NULL DEFAULT 0,
    amount_paid         numeric(16, 4) NOT NULL DEFAULT 0,
    payment_status      text NOT NULL DEFAULT 'not_paid'
                        CHECK (payment_status IN ('not_paid', 'pending', 'authorized', 'partial', 'paid')),
    delivery_status     text NOT NULL DEFAULT 'none'
                        CHECK (delivery_status IN ('none', 'pending', 'partial', 'full')),
    access_token        text NOT NULL,
    note                text NOT NULL DEFAULT '',
    client_order_ref    text NOT NULL DEFAULT '',
    date_order          timestamptz NOT NULL DEFAULT now(),
    validity_date       date,
    placed_at           timestamptz,                  -- the shopper submitted the checkout
    confirmed_at        timestamptz,
    cancelled_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sale_orders_state_idx ON sale_orders (state, date_order DESC);
CREATE INDEX sale_orders_partner_idx ON sale_orders (partner_id, date_order DESC);
CREATE INDEX sale_orders_user_cart_idx ON sale_orders (user_id) WHERE state = 'draft' AND placed_at IS NULL;
CREATE INDEX sale_orders_abandoned_idx ON sale_orders (updated_at) WHERE state = 'draft' AND origin = 'website' AND placed_at IS NULL;

CREATE TABLE sale_order_lines (
    id             bigserial PRIMARY KEY,
    order_id       bigint NOT NULL REFERENCES sale_orders (id) ON DELETE CASCADE,
    sequence       integer NOT NULL DEFAULT 10,
    kind           text NOT NULL DEFAULT 'product' CHECK (kind IN ('product', 'shipping', 'discount')),
    variant_id     bigint REFERENCES product_variants (id) ON DELETE RESTRICT,
    description    text NOT NULL,
    quantity       numeric(16, 4) NOT NULL CHECK (quantity > 0),
    price_unit     numeric(16, 4) NOT NULL,
    discount       numeric(7, 4) NOT NULL DEFAULT 0 CHECK (discount >= 0 AND discount <= 100),  -- percent
    tax_ids        bigint[] NOT NULL DEFAULT '{}',
    price_subtotal numeric(16, 4) NOT NULL DEFAULT 0,  -- without taxes
    price_tax      numeric(16, 4) NOT NULL DEFAULT 0,
    price_total    numeric(16, 4) NOT NULL DEFAULT 0,
    qty_delivered  numeric(16, 4) NOT NULL DEFAULT 0 CHECK (qty_delivered >= 0),
    qty_invoiced   numeric(16, 4) NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'product') = (variant_id IS NOT NULL))
);
CREATE INDEX sale_order_lines_order_idx ON sale_order_lines (order_id, sequence, id);
CREATE UNIQUE INDEX sale_order_lines_product_key ON sale_order_lines (order_id, variant_id) WHERE kind = 'product';

ALTER TABLE stock_moves
    ADD CONSTRAINT stock_moves_sale_line_fk FOREIGN KEY (sale_line_id) REFERENCES sale_order_lines (id) ON DELETE SET NULL;
CREATE INDEX stock_moves_sale_line_idx ON stock_moves (sale_line_id) WHERE sale_line_id IS NOT NULL;

ALTER TABLE stock_pickings
    ADD COLUMN sale_order_id bigint REFERENCES sale_orders (id),
    ADD COLUMN carrier_id    bigint REFERENCES carriers (id);
CREATE INDEX stock_pickings_sale_order_idx ON stock_pickings (sale_order_id) WHERE sale_order_id IS NOT NULL;

CREATE TABLE payment_providers (
    id             bigserial PRIMARY KEY,
    code           text NOT NULL UNIQUE CHECK (code IN ('test_card', 'wire', 'cod')),
    name           text NOT NULL CHECK (btrim(name) <> ''),
    state          text NOT NULL DEFAULT 'enabled' CHECK (state IN ('enabled', 'disabled')),
    instructions   text NOT NULL DEFAULT '',   -- shown to the shopper (bank details for a wire)
    webhook_secret text NOT NULL DEFAULT '',
    sequence       integer NOT NULL DEFAULT 10,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO payment_providers (code, name, instructions, webhook_secret, sequence) VALUES
    ('test_card', 'Card (test)', 'Pay by card on the provider''s secure page.', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 1),
    ('wire', 'Wire transfer', 'Transfer the total to IBAN BE71 0961 2345 6769 with the order number as reference. We ship when the money arrives.', '', 2),
    ('cod', 'Cash on delivery', 'Pay the courier when your parcel arrives.', '', 3);

CREATE TABLE payment_transactions (
    id                 bigserial PRIMARY KEY,
    reference          text NOT NULL UNIQUE,           -- S00042-1
    order_id           bigint NOT NULL REFERENCES sale_orders (id),
    provider_id        bigint NOT NULL REFERENCES payment_providers (id),
    amount             numeric(16, 4) NOT NULL CHECK (amount > 0),
    currency_code      char(3) NOT NULL,
    state              text NOT NULL DEFAULT 'draft'
                       CHECK (state IN ('draft', 'pending', 'authorized', 'done', 'cancel', 'error')),
    provider_reference text NOT NULL DEFAULT '',
    state_message      text NOT NULL DEFAULT '',
    card_last4         text NOT NULL DEFAULT '',
    created_by         bigint REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_transactions_order_idx ON payment_transactions (order_id, id);

-- Every webhook received, valid or not. A processed event id is unique per
-- provider, which makes processing idempotent.
CREATE TABLE webhook_events (
    id            bigserial PRIMARY KEY,
    provider_code text NOT NULL,
    event_id      text NOT NULL DEFAULT '',
    status        text NOT NULL CHECK (status IN ('processed', 'duplicate', 'rejected', 'failed')),
    message       text NOT NULL DEFAULT '',
    remote_addr   text NOT NULL DEFAULT '',
    payload       text NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX webhook_events_processed_key ON webhook_events (provider_code, event_id) WHERE status = 'processed';
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at DESC);

-- Outgoing mail. Without an SMTP server configured mails stay here and the
-- back office shows them.
CREATE TABLE mail_messages (
    id          bigserial PRIMARY KEY,
    to_address  text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    res_model   text NOT NULL DEFAULT '',
    res_id      bigint,
    state       text NOT NULL DEFAULT 'outgoing' CHECK (state IN ('outgoing', 'sent', 'error', 'kept')),
    error       text NOT NULL DEFAULT '',
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX mail_messages_created_idx ON mail_messages (created_at DESC);
