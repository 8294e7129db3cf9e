-- Storefront: what the listing needs per product, kept by triggers so that
-- a listing of 10,000 products reads one narrow table instead of
-- aggregating variants and taxes on every request, and typo-tolerant
-- search has a trigram index on the names without punctuation.

CREATE TABLE shop_products (
    template_id    bigint PRIMARY KEY REFERENCES product_templates (id) ON DELETE CASCADE,
    -- published, active and with at least one active variant
    visible        boolean NOT NULL,
    category_id    bigint,
    featured       boolean NOT NULL,
    created_at     timestamptz NOT NULL,
    sort_name      text NOT NULL,          -- lower(name), for sorting by name
    -- the name in lower case without punctuation ("T-shirt" -> "tshirt"),
    -- which typo-tolerant search compares the shopper's words with
    norm_name      text NOT NULL,
    variants       integer NOT NULL,       -- active variants
    min_extra      numeric,                -- lowest and highest price extra of them
    max_extra      numeric,
    -- lowest and highest variant price without and with taxes (unrounded:
    -- for sorting and filtering; pages compute exact prices with the taxes)
    price_excl     numeric,
    price_incl     numeric,
    price_max_excl numeric,
    price_max_incl numeric,
    value_ids      bigint[] NOT NULL       -- attribute values of the active variants, for filter counts
);
CREATE INDEX shop_products_visible_idx ON shop_products (category_id) WHERE visible;
CREATE INDEX shop_products_norm_name_idx ON shop_products USING gin (norm_name gin_trgm_ops);

CREATE FUNCTION shop_products_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO shop_products AS sp (template_id, visible, category_id, featured, created_at, sort_name, norm_name, variants,
        min_extra, max_extra, price_excl, price_incl, price_max_excl, price_max_incl, value_ids)
    SELECT pt.id, pt.published AND pt.active AND vp.n > 0, pt.category_id, pt.featured, pt.created_at, lower(pt.name),
        lower(regexp_replace(pt.name, '[^[:alnum:][:space:]]+', '', 'g')), vp.n,
        vp.mn, vp.mx, p.excl_min, p.excl_min * p.factor + p.fixed, p.excl_max, p.excl_max * p.factor + p.fixed,
        ARRAY(SELECT DISTINCT x.value_id FROM product_variant_values x JOIN product_variants v ON v.id = x.variant_id
            WHERE v.template_id = pt.id AND v.active ORDER BY 1)
    FROM product_templates pt
    CROSS JOIN LATERAL (
        SELECT count(*)::int AS n, min(v.price_extra) AS mn, max(v.price_extra) AS mx
        FROM product_variants v WHERE v.template_id = pt.id AND v.active) vp
    CROSS JOIN LATERAL (
        SELECT
            coalesce(sum(t.amount) FILTER (WHERE t.price_include AND t.amount_type = 'percent'), 0) AS pi,
            coalesce(sum(t.amount) FILTER (WHERE t.price_include AND t.amount_type = 'fixed'), 0) AS fi,
            coalesce(sum(t.amount) FILTER (WHERE NOT t.price_include AND t.amount_type = 'percent'), 0) AS pe,
            coalesce(sum(t.amount) FILTER (WHERE NOT t.price_include AND t.amount_type = 'fixed'), 0) AS fe
        FROM product_template_taxes ptt JOIN taxes t ON t.id = ptt.tax_id AND t.active
        WHERE ptt.template_id = pt.id) tx
    CROSS JOIN LATERAL (
        SELECT round((pt.list_price + vp.mn - tx.fi) / (1 + tx.pi / 100), 6) AS excl_min,
               round((pt.list_price + vp.mx - tx.fi) / (1 + tx.pi / 100), 6) AS excl_max,
               1 + (tx.pi + tx.pe) / 100 AS factor, tx.fi + tx.fe AS fixed) p
    WHERE pt.id = ANY (ids)
    ON CONFLICT (template_id) DO UPDATE SET
        visible = EXCLUDED.visible, category_id = EXCLUDED.category_id, featured = EXCLUDED.featured,
        created_at = EXCLUDED.created_at, sort_name = EXCLUDED.sort_name, norm_name = EXCLUDED.norm_name, variants = EXCLUDED.variants,
        min_extra = EXCLUDED.min_extra, max_extra = EXCLUDED.max_extra,
        price_excl = EXCLUDED.price_excl, price_incl = EXCLUDED.price_incl,
        price_max_excl = EXCLUDED.price_max_excl, price_max_incl = EXCLUDED.price_max_incl,
        value_ids = EXCLUDED.value_ids
$$;

-- One trigger function per table: each reads its own transition tables.
-- A bulk load sets orderflow.shop_bulk to 'on' for its transaction and
-- calls shop_products_refresh once at the end instead.
CREATE FUNCTION shop_products_from_templates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('orderflow.shop_bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM shop_products_refresh(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION shop_products_from_children_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('orderflow.shop_bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM shop_products_refresh(ARRAY(SELECT DISTINCT template_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION shop_products_from_children_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('orderflow.shop_bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM shop_products_refresh(ARRAY(SELECT DISTINCT template_id FROM old_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION shop_products_from_children_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('orderflow.shop_bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM shop_products_refresh(ARRAY(SELECT template_id FROM new_rows UNION SELECT template_id FROM old_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION shop_products_from_variant_values_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('orderflow.shop_bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM shop_products_refresh(ARRAY(
        SELECT DISTINCT v.template_id FROM new_rows n JOIN product_variants v ON v.id = n.variant_id));
    RETURN NULL;
END $$;

CREATE FUNCTION shop_products_from_variant_values_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('orderflow.shop_bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM shop_products_refresh(ARRAY(
        SELECT DISTINCT v.template_id FROM old_rows o JOIN product_variants v ON v.id = o.variant_id));
    RETURN NULL;
END $$;

CREATE FUNCTION shop_products_from_taxes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('orderflow.shop_bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM shop_products_refresh(ARRAY(
        SELECT DISTINCT ptt.template_id FROM product_template_taxes ptt JOIN new_rows n ON n.id = ptt.tax_id));
    RETURN NULL;
END $$;

CREATE TRIGGER shop_products_templates_ins AFTER INSERT ON product_templates
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_templates();
CREATE TRIGGER shop_products_templates_upd AFTER UPDATE ON product_templates
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_templates();

CREATE TRIGGER shop_products_variants_ins AFTER INSERT ON product_variants
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_children_new();
CREATE TRIGGER shop_products_variants_upd AFTER UPDATE ON product_variants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_children_both();
CREATE TRIGGER shop_products_variants_del AFTER DELETE ON product_variants
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_children_old();

CREATE TRIGGER shop_products_variant_values_ins AFTER INSERT ON product_variant_values
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_variant_values_new();
CREATE TRIGGER shop_products_variant_values_del AFTER DELETE ON product_variant_values
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_variant_values_old();

CREATE TRIGGER shop_products_taxes_ins AFTER INSERT ON product_template_taxes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_children_new();
CREATE TRIGGER shop_products_taxes_upd AFTER UPDATE ON product_template_taxes
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_children_both();
CREATE TRIGGER shop_products_taxes_del AFTER DELETE ON product_template_taxes
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_children_old();

CREATE TRIGGER shop_products_tax_upd AFTER UPDATE ON taxes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_products_from_taxes();

SELECT shop_products_refresh(ARRAY(SELECT id FROM product_templates));
