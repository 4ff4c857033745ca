"""Price and discount tables the rules read, as plain data with each figure's source and the date it was checked.

Every figure says whether it could be confirmed from a public source when the table was written
(``confirmed``); an unconfirmed one is the provider's list price as last known to the authors and must be
checked against the source URL before an organization relies on it. Prices are roubles including VAT unless the
table says otherwise.
"""
