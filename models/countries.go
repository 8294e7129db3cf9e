package models

import "sort"

// Countries are the ISO 3166 countries addresses may use, by code.
var Countries = map[string]string{
	"AT": "Austria", "AU": "Australia", "BE": "Belgium", "BG": "Bulgaria", "BR": "Brazil", "CA": "Canada",
	"CH": "Switzerland", "CN": "China", "CY": "Cyprus", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark",
	"EE": "Estonia", "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom", "GR": "Greece",
	"HR": "Croatia", "HU": "Hungary", "IE": "Ireland", "IN": "India", "IS": "Iceland", "IT": "Italy",
	"JP": "Japan", "LI": "Liechtenstein", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MA": "Morocco",
	"MC": "Monaco", "MT": "Malta", "MX": "Mexico", "NL": "Netherlands", "NO": "Norway", "NZ": "New Zealand",
	"PL": "Poland", "PT": "Portugal", "RO": "Romania", "SE": "Sweden", "SG": "Singapore", "SI": "Slovenia",
	"SK": "Slovakia", "TN": "Tunisia", "TR": "Turkey", "UA": "Ukraine", "US": "United States", "ZA": "South Africa",
}

// CountryName is a country's name, its code when unknown.
func CountryName(code string) string {
	if n, ok := Countries[code]; ok {
		return n
	}
	return code
}

// Country is a code and its name, for select boxes.
type Country struct{ Code, Name string }

// CountryList returns the countries sorted by name.
func CountryList() []Country {
	out := make([]Country, 0, len(Countries))
	for c, n := range Countries {
		out = append(out, Country{c, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
