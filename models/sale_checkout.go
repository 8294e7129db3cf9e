package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/uptrace/bun"
)

// AddressInput is a postal address typed at checkout or in the back office.
type AddressInput struct {
	Name        string
	Email       string
	Phone       string
	Street      string
	Street2     string
	City        string
	Zip         string
	CountryCode string
}

func (a *AddressInput) normalize() {
	a.Name, a.Email, a.Phone = strings.TrimSpace(a.Name), normalizeEmail(a.Email), strings.TrimSpace(a.Phone)
	a.Street, a.Street2, a.City = strings.TrimSpace(a.Street), strings.TrimSpace(a.Street2), strings.TrimSpace(a.City)
	a.Zip, a.CountryCode = strings.ToUpper(strings.TrimSpace(a.Zip)), strings.ToUpper(strings.TrimSpace(a.CountryCode))
}

// validate checks the address; prefix names the form fields ("billing_").
func (a *AddressInput) validate(p Problems, prefix string, needEmail bool) {
	validateName(p, prefix+"name", a.Name)
	if needEmail || a.Email != "" {
		validateEmail(p, prefix+"email", a.Email)
	}
	if len(a.Phone) > 50 {
		p.Add(prefix+"phone", "Use at most 50 characters.")
	}
	if a.Street == "" {
		p.Add(prefix+"street", "Enter the street and number.")
	} else if len(a.Street) > 200 || len(a.Street2) > 200 {
		p.Add(prefix+"street", "Use at most 200 characters.")
	}
	if a.City == "" {
		p.Add(prefix+"city", "Enter the city.")
	} else if len(a.City) > 100 {
		p.Add(prefix+"city", "Use at most 100 characters.")
	}
	if a.Zip == "" {
		p.Add(prefix+"zip", "Enter the postal code.")
	} else if len(a.Zip) > 20 {
		p.Add(prefix+"zip", "Use at most 20 characters.")
	} else if msg := postcodeProblem(a.CountryCode, a.Zip); msg != "" {
		p.Add(prefix+"zip", msg)
	}
	if _, ok := Countries[a.CountryCode]; !ok {
		p.Add(prefix+"country_code", "Choose a country.")
	}
}

func (a *AddressInput) contact(kind string, parentID *int64) *Contact {
	return &Contact{Name: a.Name, Email: a.Email, Phone: a.Phone, Street: a.Street, Street2: a.Street2, City: a.City,
		Zip: a.Zip, CountryCode: a.CountryCode, Kind: kind, ParentID: parentID}
}

// AddressOf is the address of a contact, to prefill a form.
func AddressOf(c *Contact) AddressInput {
	return AddressInput{Name: c.Name, Email: c.Email, Phone: c.Phone, Street: c.Street, Street2: c.Street2, City: c.City, Zip: c.Zip, CountryCode: c.CountryCode}
}

// CheckoutAddresses is the first checkout step. A signed-in customer may
// pick saved addresses (BillingID / ShippingID, contacts of theirs) instead
// of typing them.
type CheckoutAddresses struct {
	Billing       AddressInput
	BillingID     int64 // a saved address of the signed-in customer; 0: use Billing
	ShipElsewhere bool
	Shipping      AddressInput
	ShippingID    int64
}

// SetCheckoutAddresses records the billing and shipping addresses of the
// shopper's cart. A guest's contact is created from the billing address; a
// signed-in customer's new addresses are saved under their contact.
func SetCheckoutAddresses(ctx context.Context, db *bun.DB, owner CartOwner, in CheckoutAddresses) (*Cart, error) {
	p := Problems{}
	if in.BillingID == 0 {
		in.Billing.normalize()
		in.Billing.validate(p, "billing_", true)
	}
	if in.ShipElsewhere && in.ShippingID == 0 {
		in.Shipping.normalize()
		in.Shipping.validate(p, "shipping_", false)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	co, err := GetCompany(ctx, db)
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
			return Errorf(ECONFLICT, "Your cart is empty.")
		}
		cart.Order = o
		owned := func(id int64, field string) (*Contact, error) {
			c, err := GetContact(ctx, tx, id)
			if err != nil || owner.PartnerID == nil || (c.ID != *owner.PartnerID && (c.ParentID == nil || *c.ParentID != *owner.PartnerID)) {
				return nil, &Error{Code: EINVALID, Message: "Choose one of your addresses.", Fields: map[string]string{field: "Choose one of your addresses."}}
			}
			return c, nil
		}
		var billing *Contact
		switch {
		case in.BillingID != 0:
			if billing, err = owned(in.BillingID, "billing_id"); err != nil {
				return err
			}
		case owner.PartnerID != nil:
			if billing, err = findOrAddAddress(ctx, tx, *owner.PartnerID, ContactInvoice, in.Billing); err != nil {
				return err
			}
		case o.PartnerID != nil:
			// A guest going back to the first step: update the contact made last time.
			billing = in.Billing.contact(ContactPerson, nil)
			billing.ID = *o.PartnerID
			if _, err := tx.NewUpdate().Model(billing).Column("name", "email", "phone", "street", "street2", "city", "zip", "country_code").
				Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("models: update guest contact: %w", err)
			}
		default:
			billing = in.Billing.contact(ContactPerson, nil)
			if err := insertPrepared(ctx, tx, billing); err != nil {
				return fmt.Errorf("models: create contact: %w", err)
			}
		}
		shipping := billing
		switch {
		case !in.ShipElsewhere:
		case in.ShippingID != 0:
			if shipping, err = owned(in.ShippingID, "shipping_id"); err != nil {
				return err
			}
		default:
			parent := billing.ID
			if owner.PartnerID != nil {
				parent = *owner.PartnerID
			} else if billing.ParentID != nil {
				parent = *billing.ParentID
			}
			if shipping, err = findOrAddAddress(ctx, tx, parent, ContactDelivery, in.Shipping); err != nil {
				return err
			}
		}
		if owner.PartnerID != nil {
			o.PartnerID = owner.PartnerID
		} else if o.PartnerID == nil {
			o.PartnerID = &billing.ID
		}
		o.InvoicePartnerID, o.ShippingPartnerID = &billing.ID, &shipping.ID
		// updated_at too: a cart being checked out is active (carts expire by it).
		if err := updatePrepared(ctx, tx, o, "updated_at = now()", []string{"partner_id", "invoice_partner_id", "shipping_partner_id"}, ""); err != nil {
			return fmt.Errorf("models: set addresses: %w", err)
		}
		if o.CarrierID != nil { // the country may change the shipping price
			cart.Notices, err = recomputeOrder(ctx, tx, co, o)
		}
		return err
	})
	if err != nil {
		return nil, wrapOp(err, "set checkout addresses")
	}
	return cart, nil
}

// findOrAddAddress returns the partner (or its child address) that already
// has exactly this address, or saves it as a new child address.
func findOrAddAddress(ctx context.Context, tx bun.IDB, partnerID int64, kind string, a AddressInput) (*Contact, error) {
	c := new(Contact)
	err := tx.NewSelect().Model(c).Where("(id = ? OR parent_id = ?)", partnerID, partnerID).
		Where("name = ? AND street = ? AND street2 = ? AND city = ? AND zip = ? AND country_code = ?", a.Name, a.Street, a.Street2, a.City, a.Zip, a.CountryCode).
		Order("id").Limit(1).Scan(ctx)
	if err == nil {
		return c, nil
	}
	if !isNoRows(err) {
		return nil, fmt.Errorf("models: find address: %w", err)
	}
	// The customer's own record gets the address when it has none yet.
	main := new(Contact)
	if err := tx.NewSelect().Model(main).Where("id = ?", partnerID).Scan(ctx); err != nil {
		return nil, notFound(err, "The customer")
	}
	if main.Street == "" {
		main.Street, main.Street2, main.City, main.Zip, main.CountryCode = a.Street, a.Street2, a.City, a.Zip, a.CountryCode
		if main.Phone == "" {
			main.Phone = a.Phone
		}
		if _, err := tx.NewUpdate().Model(main).Column("street", "street2", "city", "zip", "country_code", "phone").
			Set("updated_at = now()").WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: update customer address: %w", err)
		}
		return main, nil
	}
	c = a.contact(kind, &partnerID)
	if c.Email == "" {
		c.Email = main.Email
	}
	if err := insertPrepared(ctx, tx, c); err != nil {
		return nil, fmt.Errorf("models: save address: %w", err)
	}
	return c, nil
}

// SavedAddresses are a customer's own contact and its child addresses.
func SavedAddresses(ctx context.Context, db bun.IDB, partnerID int64) ([]Contact, error) {
	var out []Contact
	err := db.NewSelect().Model(&out).Where("(id = ? OR parent_id = ?) AND street <> ''", partnerID, partnerID).OrderExpr("parent_id NULLS FIRST, id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: saved addresses: %w", err)
	}
	return out, nil
}

// ShippingOption is a shipping method the order can use, with its price
// (taxes as configured), or why it cannot.
type ShippingOption struct {
	Carrier *Carrier
	Price   decimal.Decimal
	Problem string
}

// ShippingOptions lists the active shipping methods for an order, priced
// for its contents and delivery country.
func ShippingOptions(ctx context.Context, db bun.IDB, o *SaleOrder) ([]ShippingOption, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	carriers, err := allCarriers(ctx, db)
	if err != nil {
		return nil, err
	}
	basis, err := orderShippingBasis(ctx, db, o)
	if err != nil {
		return nil, err
	}
	cur := co.Currency()
	out := make([]ShippingOption, 0, len(carriers))
	for _, c := range carriers {
		if !c.Active || !c.Ships(basis.CountryCode) {
			continue
		}
		price, err := c.Price(basis, cur)
		opt := ShippingOption{Carrier: c, Price: price}
		if err != nil {
			opt.Problem = ErrorMessage(err)
		}
		out = append(out, opt)
	}
	return out, nil
}

func orderShippingBasis(ctx context.Context, db bun.IDB, o *SaleOrder) (ShippingBasis, error) {
	var b ShippingBasis
	var country *string
	err := queryPreparedOne(ctx, db, `
		SELECT coalesce(sum(coalesce(v.weight, t.weight) * l.quantity) FILTER (WHERE l.kind = 'product'), 0),
		       coalesce(sum(t.volume * l.quantity) FILTER (WHERE l.kind = 'product'), 0),
		       coalesce(sum(l.quantity) FILTER (WHERE l.kind = 'product'), 0),
		       coalesce(sum(l.price_total) FILTER (WHERE l.kind <> 'shipping'), 0),
		       (SELECT country_code FROM contacts WHERE id = $1)
		FROM sale_order_lines l LEFT JOIN product_variants v ON v.id = l.variant_id LEFT JOIN product_templates t ON t.id = v.template_id
		WHERE l.order_id = $2`, []any{o.ShippingPartnerID, o.ID}, &b.Weight, &b.Volume, &b.Quantity, &b.Price, &country)
	if err != nil {
		return b, fmt.Errorf("models: shipping basis: %w", err)
	}
	if country != nil {
		b.CountryCode = *country
	}
	return b, nil
}

// editOrder locks an order, lets edit change it (or refuse) and recomputes
// its amounts, in one transaction; op names the operation for errors.
func editOrder(ctx context.Context, db *bun.DB, orderID int64, op string, edit func(ctx context.Context, tx bun.Tx, co *Company, o *SaleOrder) error) (*Cart, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	cart := &Cart{}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		o, err := lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if err := edit(ctx, tx, co, o); err != nil {
			return err
		}
		cart.Order = o
		cart.Notices, err = recomputeOrder(ctx, tx, co, o)
		return err
	})
	if err != nil {
		return nil, wrapOp(err, op)
	}
	return cart, nil
}

// PreviewOrderCarrier returns the order as it would be priced with the
// shipping method carrierID, saving nothing: the delivery & payment page
// shows the total with the method it preselects, and the order gets its
// method when the shopper chooses one or places the order.
//
// shipTo is the order's shipping address when the caller has it (nil: read).
func PreviewOrderCarrier(ctx context.Context, db bun.IDB, o *SaleOrder, carrierID int64, shipTo *Contact) (*Cart, error) {
	co, err := GetCompany(ctx, db)
	if err != nil {
		return nil, err
	}
	c, err := getCarrier(ctx, db, carrierID)
	if err != nil {
		return nil, err
	}
	if !c.Active {
		return nil, Errorf(EINVALID, "This shipping method is no longer offered.")
	}
	cp := *o
	cp.CarrierID, cp.Lines = &c.ID, nil
	if shipTo != nil && o.ShippingPartnerID != nil && shipTo.ID == *o.ShippingPartnerID {
		cp.shipCountry = &shipTo.CountryCode
	}
	if o.Lines != nil { // read with the order: priced as they are, on copies (pricing changes them)
		cp.Lines, cp.linesCurrent = make([]*SaleOrderLine, len(o.Lines)), true
		for i, l := range o.Lines {
			cl := *l
			cp.Lines[i] = &cl
		}
	}
	notices, err := priceOrder(ctx, db, co, &cp, pricePreview)
	if err != nil {
		return nil, wrapOp(err, "preview shipping")
	}
	return &Cart{Order: &cp, Notices: notices}, nil
}

// SetOrderCarrier chooses the shipping method of a draft order (a cart or
// a quotation); the shipping line is added or replaced.
func SetOrderCarrier(ctx context.Context, db *bun.DB, orderID, carrierID int64) (*Cart, error) {
	return editOrder(ctx, db, orderID, "set shipping method", func(ctx context.Context, tx bun.Tx, co *Company, o *SaleOrder) error {
		if o.State != OrderDraft && o.State != OrderSent || o.PlacedAt != nil {
			return Errorf(ECONFLICT, "The shipping method of %s can no longer change.", o.Number())
		}
		c, err := getCarrier(ctx, tx, carrierID)
		if err != nil || !c.Active {
			return &Error{Code: EINVALID, Message: "Choose one of the shipping methods.", Fields: map[string]string{"carrier_id": "Choose one of the shipping methods."}}
		}
		basis, err := orderShippingBasis(ctx, tx, o)
		if err != nil {
			return err
		}
		if _, err := c.Price(basis, co.Currency()); err != nil {
			return &Error{Code: EINVALID, Message: ErrorMessage(err), Fields: map[string]string{"carrier_id": ErrorMessage(err)}}
		}
		o.CarrierID = &c.ID
		return nil
	})
}

// ApplyCoupon applies a promotion code to a draft order.
func ApplyCoupon(ctx context.Context, db *bun.DB, orderID int64, code string) (*Cart, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return nil, &Error{Code: EINVALID, Message: "Enter a code.", Fields: map[string]string{"code": "Enter a code."}}
	}
	return editOrder(ctx, db, orderID, "apply code", func(ctx context.Context, tx bun.Tx, co *Company, o *SaleOrder) error {
		if o.State != OrderDraft || o.PlacedAt != nil {
			return Errorf(ECONFLICT, "Codes can no longer be added to %s.", o.Number())
		}
		cp := new(Coupon)
		if err := tx.NewSelect().Model(cp).Where("code = ?", code).Scan(ctx); err != nil {
			if isNoRows(err) {
				return &Error{Code: EINVALID, Message: "This code is not valid.", Fields: map[string]string{"code": "This code is not valid."}}
			}
			return err
		}
		var amount decimal.Decimal
		if err := tx.NewRaw("SELECT coalesce(sum(price_total), 0) FROM sale_order_lines WHERE order_id = ? AND kind = 'product'", o.ID).Scan(ctx, &amount); err != nil {
			return err
		}
		if msg := cp.CouponProblem(amount, time.Now(), co.Currency()); msg != "" {
			return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"code": msg}}
		}
		o.CouponID = &cp.ID
		return nil
	})
}

// RemoveCoupon takes the promotion code off a draft order.
func RemoveCoupon(ctx context.Context, db *bun.DB, orderID int64) (*Cart, error) {
	return editOrder(ctx, db, orderID, "remove code", func(ctx context.Context, tx bun.Tx, co *Company, o *SaleOrder) error {
		if o.State != OrderDraft || o.PlacedAt != nil {
			return Errorf(ECONFLICT, "The code of %s can no longer change.", o.Number())
		}
		o.CouponID = nil
		return nil
	})
}

// lockOrder loads an order and locks its row until the transaction ends.
func lockOrder(ctx context.Context, tx bun.IDB, id int64) (*SaleOrder, error) {
	o := new(SaleOrder)
	err := queryPreparedOne(ctx, tx, "SELECT "+columnsOf[SaleOrder](tx, "")+" FROM sale_orders WHERE id = $1 FOR UPDATE", []any{id}, o)
	if err != nil {
		return nil, notFound(err, "The order")
	}
	o.remember()
	return o, nil
}
