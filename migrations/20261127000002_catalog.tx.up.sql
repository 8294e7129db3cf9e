-- Catalog: categories, taxes, product templates with attributes and variants, images.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE product_categories (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL CHECK (btrim(name) <> '' AND position('/' IN name) = 0),
    parent_id     bigint REFERENCES product_categories (id) ON DELETE RESTRICT,
    -- "Apparel / T-shirts": kept current by models on rename and move.
    complete_name text NOT NULL,
    sequence      integer NOT NULL DEFAULT 10,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX product_categories_name_key ON product_categories (coalesce(parent_id, 0), lower(name));
CREATE INDEX product_categories_parent_idx ON product_categories (parent_id);

CREATE TABLE taxes (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL CHECK (btrim(name) <> ''),
    amount_type   text NOT NULL CHECK (amount_type IN ('percent', 'fixed')),
    amount        numeric(16, 4) NOT NULL CHECK (amount >= 0),
    price_include boolean NOT NULL DEFAULT false,
    active        boolean NOT NULL DEFAULT true,
    sequence      integer NOT NULL DEFAULT 10,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (amount_type <> 'percent' OR amount <= 100)
);
CREATE UNIQUE INDEX taxes_name_key ON taxes (lower(name));

CREATE TABLE product_templates (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL CHECK (btrim(name) <> ''),
    default_code     text NOT NULL DEFAULT '',           -- internal reference
    description      text NOT NULL DEFAULT '',           -- Markdown as typed
    description_html text NOT NULL DEFAULT '',           -- sanitized HTML rendered from it
    category_id      bigint REFERENCES product_categories (id) ON DELETE RESTRICT,
    type             text NOT NULL DEFAULT 'storable' CHECK (type IN ('storable', 'consumable', 'service')),
    tracking         text NOT NULL DEFAULT 'none' CHECK (tracking IN ('none', 'lot', 'serial')),
    invoice_policy   text NOT NULL DEFAULT 'ordered' CHECK (invoice_policy IN ('ordered', 'delivered')),
    list_price       numeric(16, 4) NOT NULL DEFAULT 0 CHECK (list_price >= 0),
    cost             numeric(16, 4) NOT NULL DEFAULT 0 CHECK (cost >= 0),
    weight           numeric(12, 3) NOT NULL DEFAULT 0 CHECK (weight >= 0),   -- kg
    published        boolean NOT NULL DEFAULT false,
    featured         boolean NOT NULL DEFAULT false,
    active           boolean NOT NULL DEFAULT true,
    -- Full-text document (name A, category and SKUs B, description C), kept by models.
    search_vector    tsvector NOT NULL DEFAULT ''::tsvector,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (type <> 'service' OR tracking = 'none')
);
CREATE INDEX product_templates_category_idx ON product_templates (category_id);
CREATE INDEX product_templates_search_idx ON product_templates USING gin (search_vector);
CREATE INDEX product_templates_name_trgm_idx ON product_templates USING gin (lower(name) gin_trgm_ops);
CREATE INDEX product_templates_shop_idx ON product_templates (published, active, created_at DESC);

-- Default sales taxes of a product.
CREATE TABLE product_template_taxes (
    template_id bigint NOT NULL REFERENCES product_templates (id) ON DELETE CASCADE,
    tax_id      bigint NOT NULL REFERENCES taxes (id) ON DELETE RESTRICT,
    PRIMARY KEY (template_id, tax_id)
);

CREATE TABLE product_attributes (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL CHECK (btrim(name) <> ''),
    sequence   integer NOT NULL DEFAULT 10,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX product_attributes_name_key ON product_attributes (lower(name));

CREATE TABLE product_attribute_values (
    id           bigserial PRIMARY KEY,
    attribute_id bigint NOT NULL REFERENCES product_attributes (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (btrim(name) <> ''),
    sequence     integer NOT NULL DEFAULT 10,
    html_color   text NOT NULL DEFAULT '' CHECK (html_color = '' OR html_color ~ '^#[0-9a-fA-F]{6}$')
);
CREATE UNIQUE INDEX product_attribute_values_name_key ON product_attribute_values (attribute_id, lower(name));

-- The values of an attribute a product comes in (Size: S, M, L on the T-shirt).
CREATE TABLE product_template_attribute_values (
    template_id bigint NOT NULL REFERENCES product_templates (id) ON DELETE CASCADE,
    value_id    bigint NOT NULL REFERENCES product_attribute_values (id) ON DELETE RESTRICT,
    PRIMARY KEY (template_id, value_id)
);

CREATE TABLE product_variants (
    id          bigserial PRIMARY KEY,
    template_id bigint NOT NULL REFERENCES product_templates (id) ON DELETE CASCADE,
    sku         text NOT NULL CHECK (btrim(sku) <> ''),
    barcode     text CHECK (barcode IS NULL OR btrim(barcode) <> ''),
    price_extra numeric(16, 4) NOT NULL DEFAULT 0,
    weight      numeric(12, 3) CHECK (weight IS NULL OR weight >= 0),   -- NULL: the template's
    active      boolean NOT NULL DEFAULT true,
    -- Sorted attribute value ids joined by commas ('' for a product without attributes).
    combination text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX product_variants_sku_key ON product_variants (sku);
CREATE UNIQUE INDEX product_variants_barcode_key ON product_variants (barcode) WHERE barcode IS NOT NULL;
CREATE UNIQUE INDEX product_variants_combination_key ON product_variants (template_id, combination);
CREATE INDEX product_variants_template_idx ON product_variants (template_id);

CREATE TABLE product_variant_values (
    variant_id bigint NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    value_id   bigint NOT NULL REFERENCES product_attribute_values (id) ON DELETE RESTRICT,
    PRIMARY KEY (variant_id, value_id)
);
CREATE INDEX product_variant_values_value_idx ON product_variant_values (value_id);

-- Images live in the database so that every app server sees them.
CREATE TABLE product_images (
    id          bigserial PRIMARY KEY,
    template_id bigint NOT NULL REFERENCES product_templates (id) ON DELETE CASCADE,
    variant_id  bigint REFERENCES product_variants (id) ON DELETE SET NULL,
    position    integer NOT NULL DEFAULT 0,              -- 0 is the cover
    alt         text NOT NULL DEFAULT '',
    mime        text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
    width       integer NOT NULL CHECK (width > 0),
    height      integer NOT NULL CHECK (height > 0),
    sha256      text NOT NULL,
    data        bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_images_template_idx ON product_images (template_id, position, id);

-- Resized copies (thumbnail, listing, zoom), made once and shared.
CREATE TABLE product_image_renditions (
    image_id bigint NOT NULL REFERENCES product_images (id) ON DELETE CASCADE,
    size     text NOT NULL CHECK (size IN ('thumb', 'listing', 'zoom')),
    mime     text NOT NULL,
    data     bytea NOT NULL,
    etag     text NOT NULL,
    PRIMARY KEY (image_id, size)
);
