"""The remittance advice as a document: the PDF (`pdf`) and its e-mail on PAID (`mail`). The data is
`settlements.selectors.advice.remittance_advice`, shared with the admin's HTML page."""
