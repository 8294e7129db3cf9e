package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// Cart is a shop cart with what the shopper should be told about it.
type Cart struct {
	Order   *SaleOrder
	Notices []string // e.g. a line capped at the stock left, a code removed
}

// CartOwner says whose cart an operation works on: a guest's cart is known
// only by its id (kept in the guest's session); a signed-in customer's cart
// is also found through the user.
type CartOwner struct {
	CartID    int64  // 0: none yet
	UserID    *int64 // signed-in shopper
	PartnerID *int64 // the shopper's contact
}

func newAccessToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// shopWarehouseID is the warehouse the shop sells from: the company's
// website warehouse, else the first active warehouse (nil when none).
func shopWarehouseID(ctx context.Context, db bun.IDB, co *Company) (*int64, error) {
	if co.WebsiteWarehouseID != nil {
		return co.WebsiteWarehouseID, nil
	}
	var id int64
	err := db.NewRaw("SELECT id FROM warehouses WHERE active ORDER BY id LIMIT 1").Scan(ctx, &id)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: shop warehouse: %w", err)
	}
	return &id, nil
}

// ParseCartQuantity reads a quantity typed by a shopper: a whole number from
// min to the company's maximum per line.
func ParseCartQuantity(s string, min, max int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, &Error{Code: EINVALID, Message: "Enter the quantity as a whole number.", Fields: map[string]string{"quantity": "Enter a whole number."}}
	case n < min:
		msg := fmt.Sprintf("The quantity must be at least %d.", min)
		return 0, &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"quantity": msg}}
	case n > max:
		msg := fmt.Sprintf("You can order at most %d of one product.", max)
		return 0, &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"quantity": msg}}
	}
	return n, nil
}

// lockCart finds the owner's open cart and locks it; nil when there is none.
func lockCart(ctx context.Context, tx bun.IDB, owner CartOwner) (*SaleOrder, error) {
	o, err := findCart(ctx, tx, owner, " FOR UPDATE")
	if o != nil {
		o.remember()
	}
	return o, err
}

// findCart reads the owner's open cart (with suffix, " FOR UPDATE" to lock
// it); nil when there is none. The cart in the session wins; a signed-in
// shopper's own latest cart is the fallback.
func findCart(ctx context.Context, db bun.IDB, owner CartOwner, suffix string) (*SaleOrder, error) {
	const open = "state = 'draft' AND origin = 'website' AND placed_at IS NULL AND "
	var where string
	var args []any
	switch {
	case owner.CartID != 0 && owner.UserID != nil:
		where, args = open+"id = $1 AND (user_id IS NULL OR user_id = $2)", []any{owner.CartID, *owner.UserID}
	case owner.CartID != 0:
		where, args = open+"id = $1 AND user_id IS NULL", []any{owner.CartID}
	case owner.UserID != nil:
		where, args = open+"user_id = $1 ORDER BY id DESC LIMIT 1", []any{*owner.UserID}
	default:
		return nil, nil
	}
	var o *SaleOrder
	var err error
	if suffix == "" { // a plain read takes the lines along
		o, err = queryOrderWithLines(ctx, db, where, args...)
	} else {
		o = new(SaleOrder)
		err = queryPreparedOne(ctx, db, "SELECT "+columnsOf[SaleOrder](db, "")+" FROM sale_orders WHERE "+where+suffix, args, o)
	}
	if isNoRows(err) {
		if owner.CartID != 0 && owner.UserID != nil {
			return findCart(ctx, db, CartOwner{UserID: owner.UserID}, suffix)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: find cart: %w", err)
	}
	return o, nil
}

func newCart(ctx context.Context, tx bun.IDB, co *Company, owner CartOwner) (*SaleOrder, error) {
	wh, err := shopWarehouseID(ctx, tx, co)
	if err != nil {
		return nil, err
	}
	o := &SaleOrder{State: OrderDraft, Origin: OriginWebsite, UserID: owner.UserID, PartnerID: owner.PartnerID,
		WarehouseID: wh, CurrencyCode: co.CurrencyCode, PaymentStatus: PaymentNotPaid, DeliveryStatus: DeliveryNone,
		AccessToken: newAccessToken()}
	if err := insertPrepared(ctx, tx, o); err != nil {
		return nil, fmt.Errorf("models: create cart: %w", err)
	}
	return o, nil
}

// freeStockSQL is the free quantity of variant $2 in warehouse $1's
// internal locations.
var freeStockSQL = freeStockSQLOf("$1", "$2")

// freeStockSQLOf is the free quantity of variant (an expression) in the
// internal locations of warehouse (an expression).
func freeStockSQLOf(warehouse, variant string) string {
	return `
		SELECT coalesce(sum(q.quantity - q.reserved_quantity), 0) FROM stock_quants q
		JOIN stock_locations l ON l.id = q.location_id AND l.usage = 'internal'
		JOIN warehouses w ON w.id = ` + warehouse + ` JOIN stock_locations wv ON wv.id = w.view_location_id
		WHERE q.variant_id = ` + variant + ` AND starts_with(l.complete_name, wv.complete_name || '/')`
}

// capsToStock reports whether a cart line of v must stay within the free
// stock: storable goods, unless the company sells beyond stock.
func capsToStock(co *Company, o *SaleOrder, v variantPrice) bool {
	return v.Storable && !co.SellBeyondStock && o.WarehouseID != nil
}

// capToStock limits want to the free stock of a storable variant in the
// cart's warehouse (unless the company sells beyond stock), returning the
// quantity allowed and a notice when it had to cap.
func capToStock(ctx context.Context, tx bun.IDB, co *Company, o *SaleOrder, v variantPrice, want decimal.Decimal) (decimal.Decimal, string, error) {
	if !capsToStock(co, o, v) {
		return want, "", nil
	}
	var free decimal.Decimal
	if err := queryPreparedOne(ctx, tx, freeStockSQL, []any{*o.WarehouseID, v.ID}, &free); err != nil {
		return decimal.Zero, "", fmt.Errorf("models: free stock: %w", err)
	}
	allowed, notice := capQuantity(v, want, &free)
	return allowed, notice, nil
}

// capQuantity limits want to free (no limit when free is nil).
func capQuantity(v variantPrice, want decimal.Decimal, free *decimal.Decimal) (decimal.Decimal, string) {
	if free == nil {
		return want, ""
	}
	f := decimal.Max(*free, decimal.Zero).Floor()
	if want.LessThanOrEqual(f) {
		return want, ""
	}
	if f.IsZero() {
		return decimal.Zero, fmt.Sprintf("%s is out of stock.", v.Name)
	}
	return f, fmt.Sprintf("Only %s of %s left in stock: your cart has %s.", f, v.Name, f)
}

// cartLineStock returns the quantity of v in the cart and, when the line
// must stay within the stock, the free quantity — in one prepared statement.
func cartLineStock(ctx context.Context, tx bun.IDB, co *Company, o *SaleOrder, v variantPrice) (decimal.Decimal, *decimal.Decimal, error) {
	var current, free *decimal.Decimal
	caps, warehouseID := capsToStock(co, o, v), int64(0)
	if caps {
		warehouseID = *o.WarehouseID
	}
	err := queryPreparedOne(ctx, tx, `
		SELECT (SELECT quantity FROM sale_order_lines WHERE order_id = $4 AND variant_id = $2 AND kind = 'product'),
		       CASE WHEN $3::boolean THEN (`+freeStockSQL+`) END`,
		[]any{warehouseID, v.ID, caps, o.ID}, &current, &free)
	if err != nil {
		return decimal.Zero, nil, fmt.Errorf("models: cart line: %w", err)
	}
	if current == nil {
		return decimal.Zero, free, nil
	}
	return *current, free, nil
}

// AddToCart adds quantity units of a variant to the shopper's cart (created
// when there is none), capped at the free stock with a notice. Prices come
// from the catalog, never from the request.
func AddToCart(ctx context.Context, db *bun.DB, owner CartOwner, variantID int64, quantity string) (*Cart, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	qty, err := ParseCartQuantity(quantity, 1, co.MaxLineQuantity)
	if err != nil {
		return nil, err
	}
	cart := &Cart{}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		vs, err := loadVariantPrices(ctx, tx, []int64{variantID}, true)
		if err != nil {
			return err
		}
		v, ok := vs[variantID]
		if !ok || !v.Active || !v.Published {
			return &Error{Code: EINVALID, Message: "This product is not available.", Fields: map[string]string{"variant_id": "Choose a product from the shop."}}
		}
		o, err := lockCart(ctx, tx, owner)
		if err != nil {
			return err
		}
		if o == nil {
			if o, err = newCart(ctx, tx, co, owner); err != nil {
				return err
			}
		}
		cart.Order = o
		current, free, err := cartLineStock(ctx, tx, co, o, v)
		if err != nil {
			return err
		}
		want := current.Add(decimal.NewFromInt(int64(qty)))
		if limit := decimal.NewFromInt(int64(co.MaxLineQuantity)); want.GreaterThan(limit) {
			want = limit
			cart.Notices = append(cart.Notices, fmt.Sprintf("You can order at most %d of one product.", co.MaxLineQuantity))
		}
		allowed, notice := capQuantity(v, want, free)
		if notice != "" {
			cart.Notices = append(cart.Notices, notice)
		}
		if allowed.LessThanOrEqual(current) {
			if current.IsZero() {
				return &Error{Code: ECONFLICT, Message: notice}
			}
		} else if o.Lines, err = setLineQuantity(ctx, tx, o.ID, v, allowed); err != nil {
			return err
		} else {
			o.linesCurrent = true
		}
		notices, err := recomputeOrder(ctx, tx, co, o)
		cart.Notices = append(cart.Notices, notices...)
		return err
	})
	if err != nil {
		return nil, wrapOp(err, "add to cart")
	}
	return cart, nil
}

// setLineQuantity sets the quantity of v's line in the order (adding the
// line when there is none) and returns the order's lines as they now are,
// in the same round trip.
func setLineQuantity(ctx context.Context, tx bun.IDB, orderID int64, v variantPrice, qty decimal.Decimal) ([]*SaleOrderLine, error) {
	cols := columnsOf[SaleOrderLine](tx, "")
	var lines []*SaleOrderLine
	err := queryPrepared(ctx, tx, `
		WITH up AS (
			INSERT INTO sale_order_lines (order_id, sequence, kind, variant_id, description, quantity, price_unit, tax_ids)
			VALUES ($1, (SELECT coalesce(max(sequence), 0) + 1 FROM sale_order_lines WHERE order_id = $1 AND kind = 'product'), 'product', $2, $3, $4::text::numeric, $5::text::numeric, $6)
			ON CONFLICT (order_id, variant_id) WHERE kind = 'product'
			DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()
			RETURNING `+cols+`)
		SELECT `+cols+` FROM up
		UNION ALL
		SELECT `+cols+` FROM sale_order_lines WHERE order_id = $1 AND id NOT IN (SELECT id FROM up)
		ORDER BY sequence, id`,
		[]any{orderID, v.ID, v.Name, qty.String(), v.Price.String(), nonNil(v.TaxIDs)}, &lines)
	if err != nil {
		return nil, fmt.Errorf("models: set cart line: %w", err)
	}
	return lines, nil
}

// SetCartQuantity changes a cart line's quantity (0 removes the line),
// capped at the free stock with a notice.
func SetCartQuantity(ctx context.Context, db *bun.DB, owner CartOwner, lineID int64, quantity string) (*Cart, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	qty, err := ParseCartQuantity(quantity, 0, co.MaxLineQuantity)
	if err != nil {
		return nil, err
	}
	cart := &Cart{}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		o, err := lockCart(ctx, tx, owner)
		if err != nil {
			return err
		}
		if o == nil {
			return Errorf(ENOTFOUND, "Your cart is empty.")
		}
		cart.Order = o
		var variantID int64
		err = tx.NewRaw("SELECT variant_id FROM sale_order_lines WHERE id = ? AND order_id = ? AND kind = 'product'", lineID, o.ID).Scan(ctx, &variantID)
		if isNoRows(err) {
			return Errorf(ENOTFOUND, "That line is no longer in your cart.")
		}
		if err != nil {
			return fmt.Errorf("models: cart line: %w", err)
		}
		if qty == 0 {
			if _, err := tx.NewDelete().Model((*SaleOrderLine)(nil)).Where("id = ?", lineID).Exec(ctx); err != nil {
				return fmt.Errorf("models: remove cart line: %w", err)
			}
		} else {
			vs, err := loadVariantPrices(ctx, tx, []int64{variantID}, true)
			if err != nil {
				return err
			}
			allowed, notice, err := capToStock(ctx, tx, co, o, vs[variantID], decimal.NewFromInt(int64(qty)))
			if err != nil {
				return err
			}
			if notice != "" {
				cart.Notices = append(cart.Notices, notice)
			}
			if allowed.IsZero() {
				_, err = tx.NewDelete().Model((*SaleOrderLine)(nil)).Where("id = ?", lineID).Exec(ctx)
			} else {
				o.Lines, err = setLineQuantity(ctx, tx, o.ID, vs[variantID], allowed)
				o.linesCurrent = err == nil
			}
			if err != nil {
				return err
			}
		}
		notices, err := recomputeOrder(ctx, tx, co, o)
		cart.Notices = append(cart.Notices, notices...)
		return err
	})
	if err != nil {
		return nil, wrapOp(err, "update cart")
	}
	return cart, nil
}

// RemoveCartLine removes a line from the shopper's cart.
func RemoveCartLine(ctx context.Context, db *bun.DB, owner CartOwner, lineID int64) (*Cart, error) {
	return SetCartQuantity(ctx, db, owner, lineID, "0")
}

// GetCart returns the shopper's open cart with its lines, or nil when there
// is none. It does not write anything.
func GetCart(ctx context.Context, db bun.IDB, owner CartOwner) (*SaleOrder, error) {
	return findCart(ctx, db, owner, "")
}

// MergeCartOnLogin moves a guest's cart into the customer's open cart when
// they sign in: quantities of the same product add up (capped at the stock
// and the line maximum); without an open cart the guest cart becomes
// theirs. It returns the id of the customer's cart (0 when neither exists).
func MergeCartOnLogin(ctx context.Context, db *bun.DB, guestCartID int64, user *User) (int64, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return 0, err
	}
	var cartID int64
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		guest, err := lockCart(ctx, tx, CartOwner{CartID: guestCartID})
		if err != nil {
			return err
		}
		mine, err := lockCart(ctx, tx, CartOwner{UserID: &user.ID})
		if err != nil {
			return err
		}
		switch {
		case guest == nil && mine == nil:
			return nil
		case guest == nil:
			cartID = mine.ID
			return nil
		case mine == nil:
			guest.UserID, guest.PartnerID = &user.ID, user.ContactID
			_, err := tx.NewUpdate().Model(guest).Column("user_id", "partner_id").Set("updated_at = now()").WherePK().Exec(ctx)
			cartID = guest.ID
			return err
		}
		cartID = mine.ID
		var lines []SaleOrderLine
		if err := tx.NewSelect().Model(&lines).Where("order_id = ? AND kind = 'product'", guest.ID).Scan(ctx); err != nil {
			return err
		}
		ids := make([]int64, len(lines))
		for i, l := range lines {
			ids[i] = *l.VariantID
		}
		vs, err := loadVariantPrices(ctx, tx, ids, true)
		if err != nil {
			return err
		}
		limit := decimal.NewFromInt(int64(co.MaxLineQuantity))
		for _, l := range lines {
			var current decimal.Decimal
			err := tx.NewRaw("SELECT quantity FROM sale_order_lines WHERE order_id = ? AND variant_id = ? AND kind = 'product'", mine.ID, *l.VariantID).Scan(ctx, &current)
			if err != nil && !isNoRows(err) {
				return err
			}
			want := decimal.Min(current.Add(l.Quantity), limit)
			allowed, _, err := capToStock(ctx, tx, co, mine, vs[*l.VariantID], want)
			if err != nil {
				return err
			}
			if allowed.GreaterThan(current) {
				if _, err := setLineQuantity(ctx, tx, mine.ID, vs[*l.VariantID], allowed); err != nil {
					return err
				}
			}
		}
		if _, err := tx.NewDelete().Model((*SaleOrder)(nil)).Where("id = ?", guest.ID).Exec(ctx); err != nil {
			return err
		}
		_, err = recomputeOrder(ctx, tx, co, mine)
		return err
	})
	if err != nil {
		return 0, wrapOp(err, "merge carts")
	}
	return cartID, nil
}

// ExpireCarts deletes shop carts nobody touched for the company's cart
// expiry time. Carts never reserve stock, so nothing else changes. It
// returns how many were deleted.
func ExpireCarts(ctx context.Context, db bun.IDB) (int, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return 0, err
	}
	res, err := db.NewDelete().Model((*SaleOrder)(nil)).
		Where("state = ? AND origin = ? AND placed_at IS NULL AND name IS NULL", OrderDraft, OriginWebsite).
		Where("updated_at < now() - make_interval(hours => ?)", co.CartExpiryHours).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("models: expire carts: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// CheckOrderToken reports whether token is the order's access token, in
// constant time.
func CheckOrderToken(o *SaleOrder, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(o.AccessToken), []byte(token)) == 1
}

// nonNil is ids, or an empty list (an empty array, not NULL, in SQL).
func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// StockShortages tells the shopper, before they pay, of the storable lines
// of the cart o that ask for more than is free in its warehouse now (stock
// another shopper bought since it was added): one sentence per line. The
// order may still be placed; its delivery then waits for the rest, as the
// sales rep sees.
func StockShortages(ctx context.Context, db bun.IDB, o *SaleOrder) ([]string, error) {
	if o.WarehouseID == nil {
		return nil, nil
	}
	var ids []int64
	for _, l := range o.ProductLines() {
		ids = append(ids, *l.VariantID)
	}
	vs, err := loadVariantPrices(ctx, db, ids, false)
	if err != nil {
		return nil, err
	}
	ids = slices.DeleteFunc(ids, func(id int64) bool { return !vs[id].Storable })
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []struct {
		ID   int64           `bun:"id"`
		Free decimal.Decimal `bun:"free,type:numeric"`
	}
	if err := queryPrepared(ctx, db, "SELECT v.id, ("+freeStockSQLOf("$1", "v.id")+") AS free FROM unnest($2::bigint[]) AS v(id)",
		[]any{*o.WarehouseID, ids}, &rows); err != nil {
		return nil, fmt.Errorf("models: free stock of the cart: %w", err)
	}
	free := map[int64]decimal.Decimal{}
	for _, r := range rows {
		free[r.ID] = decimal.Max(r.Free, decimal.Zero).Floor()
	}
	var out []string
	for _, l := range o.ProductLines() {
		f, ok := free[*l.VariantID]
		switch {
		case !ok || l.Quantity.LessThanOrEqual(f):
		case f.IsZero():
			out = append(out, fmt.Sprintf("%s is out of stock now: we send it as soon as it is back.", l.Description))
		default:
			out = append(out, fmt.Sprintf("Only %s of %s left in stock now: we send %s at once and the other %s as soon as they are back.",
				FormatQuantity(f), l.Description, FormatQuantity(f), FormatQuantity(l.Quantity.Sub(f))))
		}
	}
	return out, nil
}
