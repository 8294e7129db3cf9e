-- Inventory: warehouses, locations, operation types, lots, packages, quants,
-- moves, move lines and transfers (Odoo's stock model).

-- Gapless document numbers: the row is locked by the transaction that takes
-- a number, so a rollback gives the number back.
CREATE TABLE sequences (
    code        text PRIMARY KEY,
    prefix      text NOT NULL,
    padding     smallint NOT NULL DEFAULT 5 CHECK (padding BETWEEN 1 AND 12),
    next_number bigint NOT NULL DEFAULT 1 CHECK (next_number > 0)
);

CREATE TABLE warehouses (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL CHECK (btrim(name) <> ''),
    code           text NOT NULL CHECK (code ~ '^[A-Z0-9]{1,8}$'),
    delivery_steps smallint NOT NULL DEFAULT 1 CHECK (delivery_steps IN (1, 2, 3)),
    receipt_steps  smallint NOT NULL DEFAULT 1 CHECK (receipt_steps = 1),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX warehouses_code_key ON warehouses (code);

CREATE TABLE stock_locations (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL CHECK (btrim(name) <> '' AND position('/' IN name) = 0),
    parent_id     bigint REFERENCES stock_locations (id) ON DELETE RESTRICT,
    complete_name text NOT NULL,           -- "WH/Stock/Shelf A"
    usage         text NOT NULL CHECK (usage IN ('view', 'internal', 'customer', 'supplier', 'inventory', 'transit')),
    warehouse_id  bigint REFERENCES warehouses (id) ON DELETE RESTRICT,
    barcode       text CHECK (barcode IS NULL OR btrim(barcode) <> ''),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX stock_locations_name_key ON stock_locations (coalesce(parent_id, 0), lower(name));
CREATE UNIQUE INDEX stock_locations_barcode_key ON stock_locations (barcode) WHERE barcode IS NOT NULL;
CREATE INDEX stock_locations_parent_idx ON stock_locations (parent_id);
CREATE INDEX stock_locations_complete_name_idx ON stock_locations (complete_name text_pattern_ops);

-- Locations every company has, outside any warehouse.
INSERT INTO stock_locations (name, complete_name, usage) VALUES
    ('Partners', 'Partners', 'view'),
    ('Virtual Locations', 'Virtual Locations', 'view');
INSERT INTO stock_locations (name, parent_id, complete_name, usage)
    SELECT 'Customers', id, 'Partners/Customers', 'customer' FROM stock_locations WHERE complete_name = 'Partners'
    UNION ALL
    SELECT 'Vendors', id, 'Partners/Vendors', 'supplier' FROM stock_locations WHERE complete_name = 'Partners'
    UNION ALL
    SELECT 'Inventory adjustment', id, 'Virtual Locations/Inventory adjustment', 'inventory' FROM stock_locations WHERE complete_name = 'Virtual Locations';

ALTER TABLE warehouses
    ADD COLUMN view_location_id   bigint REFERENCES stock_locations (id),
    ADD COLUMN stock_location_id  bigint REFERENCES stock_locations (id),
    ADD COLUMN pack_location_id   bigint REFERENCES stock_locations (id),
    ADD COLUMN output_location_id bigint REFERENCES stock_locations (id);

ALTER TABLE companies ADD COLUMN website_warehouse_id bigint REFERENCES warehouses (id);

-- Operation types: Receipts, Delivery Orders, Pick, Pack, Internal Transfers.
CREATE TABLE picking_types (
    id                       bigserial PRIMARY KEY,
    warehouse_id             bigint NOT NULL REFERENCES warehouses (id) ON DELETE CASCADE,
    kind                     text NOT NULL CHECK (kind IN ('receipt', 'delivery', 'pick', 'pack', 'internal')),
    name                     text NOT NULL CHECK (btrim(name) <> ''),
    code                     text NOT NULL CHECK (code IN ('incoming', 'outgoing', 'internal')),
    sequence_code            text NOT NULL REFERENCES sequences (code),
    barcode                  text,
    default_src_location_id  bigint NOT NULL REFERENCES stock_locations (id),
    default_dest_location_id bigint NOT NULL REFERENCES stock_locations (id),
    create_backorder         text NOT NULL DEFAULT 'ask' CHECK (create_backorder IN ('ask', 'always', 'never')),
    active                   boolean NOT NULL DEFAULT true,
    sequence                 integer NOT NULL DEFAULT 10,
    UNIQUE (warehouse_id, kind)
);
CREATE UNIQUE INDEX picking_types_barcode_key ON picking_types (barcode) WHERE barcode IS NOT NULL;

CREATE TABLE stock_lots (
    id         bigserial PRIMARY KEY,
    variant_id bigint NOT NULL REFERENCES product_variants (id) ON DELETE RESTRICT,
    name       text NOT NULL CHECK (btrim(name) <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (variant_id, name)
);
CREATE INDEX stock_lots_name_idx ON stock_lots (name);

CREATE TABLE stock_packages (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- On-hand stock per variant, internal location, lot and package. The CHECKs
-- are the last guard against overselling: reserved never exceeds on hand.
CREATE TABLE stock_quants (
    id                bigserial PRIMARY KEY,
    variant_id        bigint NOT NULL REFERENCES product_variants (id) ON DELETE RESTRICT,
    location_id       bigint NOT NULL REFERENCES stock_locations (id) ON DELETE RESTRICT,
    lot_id            bigint REFERENCES stock_lots (id) ON DELETE RESTRICT,
    package_id        bigint REFERENCES stock_packages (id) ON DELETE RESTRICT,
    quantity          numeric(16, 4) NOT NULL DEFAULT 0,
    reserved_quantity numeric(16, 4) NOT NULL DEFAULT 0,
    in_date           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stock_quants_not_negative CHECK (quantity >= 0),
    CONSTRAINT stock_quants_reserved_within CHECK (reserved_quantity >= 0 AND reserved_quantity <= quantity),
    UNIQUE NULLS NOT DISTINCT (variant_id, location_id, lot_id, package_id)
);
CREATE INDEX stock_quants_free_idx ON stock_quants (variant_id, in_date, id) WHERE quantity > reserved_quantity;
CREATE INDEX stock_quants_location_idx ON stock_quants (location_id);

-- Transfers (pickings).
CREATE TABLE stock_pickings (
    id                   bigserial PRIMARY KEY,
    name                 text NOT NULL UNIQUE,          -- WH/OUT/00017
    picking_type_id      bigint NOT NULL REFERENCES picking_types (id),
    state                text NOT NULL DEFAULT 'draft'
                         CHECK (state IN ('draft', 'waiting', 'confirmed', 'assigned', 'done', 'cancel')),
    partially_available  boolean NOT NULL DEFAULT false,
    partner_id           bigint REFERENCES contacts (id),
    origin               text NOT NULL DEFAULT '',
    location_id          bigint NOT NULL REFERENCES stock_locations (id),
    location_dest_id     bigint NOT NULL REFERENCES stock_locations (id),
    scheduled_date       timestamptz NOT NULL DEFAULT now(),
    date_done            timestamptz,
    backorder_id         bigint REFERENCES stock_pickings (id),
    carrier_tracking_ref text NOT NULL DEFAULT '',
    created_by           bigint REFERENCES users (id),
    validated_by         bigint REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_pickings_type_state_idx ON stock_pickings (picking_type_id, state, scheduled_date);
CREATE INDEX stock_pickings_origin_idx ON stock_pickings (origin);

CREATE TABLE stock_moves (
    id               bigserial PRIMARY KEY,
    picking_id       bigint REFERENCES stock_pickings (id) ON DELETE CASCADE,
    variant_id       bigint NOT NULL REFERENCES product_variants (id) ON DELETE RESTRICT,
    description      text NOT NULL DEFAULT '',
    demand           numeric(16, 4) NOT NULL CHECK (demand > 0),
    quantity_done    numeric(16, 4) NOT NULL DEFAULT 0 CHECK (quantity_done >= 0),
    location_id      bigint NOT NULL REFERENCES stock_locations (id),
    location_dest_id bigint NOT NULL REFERENCES stock_locations (id),
    state            text NOT NULL DEFAULT 'draft'
                     CHECK (state IN ('draft', 'waiting', 'confirmed', 'partially_available', 'assigned', 'done', 'cancel')),
    -- make_to_order moves are fed only by the moves chained before them.
    procure_method   text NOT NULL DEFAULT 'make_to_stock' CHECK (procure_method IN ('make_to_stock', 'make_to_order')),
    move_dest_id     bigint REFERENCES stock_moves (id),  -- the next step of the chain
    partner_id       bigint REFERENCES contacts (id),
    origin           text NOT NULL DEFAULT '',
    sale_line_id     bigint,
    date             timestamptz NOT NULL DEFAULT now(),
    date_done        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_moves_picking_idx ON stock_moves (picking_id);
CREATE INDEX stock_moves_variant_state_idx ON stock_moves (variant_id, state);
CREATE INDEX stock_moves_dest_idx ON stock_moves (move_dest_id);
CREATE INDEX stock_moves_open_idx ON stock_moves (state, date) WHERE state IN ('confirmed', 'partially_available');

-- What is actually taken: from which location, lot and package, how much is
-- reserved on that quant, and how much was done.
CREATE TABLE stock_move_lines (
    id                bigserial PRIMARY KEY,
    move_id           bigint NOT NULL REFERENCES stock_moves (id) ON DELETE CASCADE,
    picking_id        bigint REFERENCES stock_pickings (id) ON DELETE CASCADE,
    variant_id        bigint NOT NULL REFERENCES product_variants (id),
    location_id       bigint NOT NULL REFERENCES stock_locations (id),
    location_dest_id  bigint NOT NULL REFERENCES stock_locations (id),
    lot_id            bigint REFERENCES stock_lots (id),
    lot_name          text NOT NULL DEFAULT '',         -- typed at reception, becomes a lot on validation
    package_id        bigint REFERENCES stock_packages (id),
    result_package_id bigint REFERENCES stock_packages (id),
    reserved_quantity numeric(16, 4) NOT NULL DEFAULT 0 CHECK (reserved_quantity >= 0),
    quantity_done     numeric(16, 4) NOT NULL DEFAULT 0 CHECK (quantity_done >= 0),
    state             text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'cancel')),
    done_by           bigint REFERENCES users (id),
    date              timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_move_lines_move_idx ON stock_move_lines (move_id);
CREATE INDEX stock_move_lines_picking_idx ON stock_move_lines (picking_id);
CREATE INDEX stock_move_lines_quant_idx ON stock_move_lines (variant_id, location_id) WHERE state = 'open';
CREATE INDEX stock_move_lines_lot_idx ON stock_move_lines (lot_id);
