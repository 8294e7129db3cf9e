-- The company running the shop: exactly one row.
CREATE TABLE companies (
    id                      integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    name                    text NOT NULL CHECK (btrim(name) <> ''),
    email                   text NOT NULL DEFAULT '',
    phone                   text NOT NULL DEFAULT '',
    currency_code           char(3) NOT NULL CHECK (currency_code ~ '^[A-Z]{3}$'),
    currency_decimals       smallint NOT NULL DEFAULT 2 CHECK (currency_decimals BETWEEN 0 AND 4),
    tax_rounding            text NOT NULL DEFAULT 'per_line' CHECK (tax_rounding IN ('per_line', 'global')),
    invoice_policy          text NOT NULL DEFAULT 'ordered' CHECK (invoice_policy IN ('ordered', 'delivered')),
    prices_include_tax      boolean NOT NULL DEFAULT false,
    auto_confirm_on_payment boolean NOT NULL DEFAULT true,
    sell_beyond_stock       boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Contacts (partners): people and companies, with their main address.
CREATE TABLE contacts (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (btrim(name) <> ''),
    email        text NOT NULL DEFAULT '',
    phone        text NOT NULL DEFAULT '',
    is_company   boolean NOT NULL DEFAULT false,
    parent_id    bigint REFERENCES contacts (id),
    street       text NOT NULL DEFAULT '',
    street2      text NOT NULL DEFAULT '',
    city         text NOT NULL DEFAULT '',
    zip          text NOT NULL DEFAULT '',
    country_code text NOT NULL DEFAULT '' CHECK (country_code = '' OR country_code ~ '^[A-Z]{2}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_email_idx ON contacts (lower(email));

CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL CHECK (email = lower(email) AND email LIKE '_%@_%'),
    name            text NOT NULL CHECK (btrim(name) <> ''),
    password_hash   text NOT NULL,
    roles           text[] NOT NULL DEFAULT '{}'
                    CHECK (roles <@ ARRAY['admin', 'sales', 'warehouse', 'accountant', 'customer']::text[]),
    contact_id      bigint REFERENCES contacts (id),
    active          boolean NOT NULL DEFAULT true,
    -- bumped on password change and deactivation: sessions carrying an older value end.
    session_version integer NOT NULL DEFAULT 1,
    last_login_at   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_customer_has_contact CHECK (NOT ('customer' = ANY (roles)) OR contact_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- Failed logins, for throttling; old rows are pruned on the way.
CREATE TABLE login_failures (
    id         bigserial PRIMARY KEY,
    email      text NOT NULL,
    ip         text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_ip_idx ON login_failures (email, ip, created_at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, created_at);

-- scs/v2 postgresstore sessions.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- History ("chatter"): who changed what and when, on any document.
CREATE TABLE history_entries (
    id         bigserial PRIMARY KEY,
    res_model  text NOT NULL,
    res_id     bigint NOT NULL,
    user_id    bigint REFERENCES users (id),
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX history_entries_res_idx ON history_entries (res_model, res_id, created_at);
