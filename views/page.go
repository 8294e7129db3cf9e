// Package views holds the templ components of every surface; this file holds
// what all pages share: the page context handed from handlers to layouts.
package views

import (
	"encoding/json"

	"github.com/shopspring/decimal"

	"orderflow/models"
)

// Page is what every full page needs besides its own data.
type Page struct {
	Title   string
	Company *models.Company
	User    *models.User // nil for a guest
	CSRF    string       // token for forms and HTMX requests
	Flash   Flash
	Path    string // the request path, for active navigation
	// Section is the navigation entry of a page whose path does not name it
	// (a quotation's page lives under /office/orders/); "" to go by Path.
	Section string
	// Description is the page's meta description (storefront pages).
	Description string
	// CartCount is the number of units in the shopper's cart (shop header).
	CartCount int
}

// Flash is a one-time message shown on the next page.
type Flash struct {
	Kind    string // success | error | info | warning
	Message string
}

// CompanyName is the shop's name, with a fallback before the company exists.
func (p Page) CompanyName() string {
	if p.Company == nil || p.Company.Name == "" {
		return "Orderflow"
	}
	return p.Company.Name
}

// HTMXHeaders is the hx-headers value that sends the CSRF token with every
// HTMX request.
func (p Page) HTMXHeaders() string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": p.CSRF})
	return string(b)
}

// HomeURL is where a user of these roles starts: the first surface they may use.
func HomeURL(u *models.User) string {
	switch {
	case u == nil:
		return "/"
	case u.HasRole(models.RoleAdmin, models.RoleSales, models.RoleAccountant):
		return "/office"
	case u.HasRole(models.RoleWarehouse):
		return "/scan"
	case u.HasRole(models.RoleCustomer):
		return "/my"
	}
	return "/"
}

// FormState carries a form's submitted values and its problems back to the page.
type FormState struct {
	Values map[string]string
	Errors map[string]string
	Error  string // message for the whole form
}

// Value returns the submitted value of field.
func (f FormState) Value(field string) string { return f.Values[field] }

// Err returns the problem with field, or "".
func (f FormState) Err(field string) string { return f.Errors[field] }

// Money writes an amount in the company's currency (two decimals before
// the company exists).
func (p Page) Money(d decimal.Decimal) string {
	if p.Company == nil {
		return d.StringFixed(2)
	}
	return p.Company.Currency().Format(d)
}

// NavPath is the path the navigation highlights its entry by.
func (p Page) NavPath() string {
	if p.Section != "" {
		return p.Section
	}
	return p.Path
}
