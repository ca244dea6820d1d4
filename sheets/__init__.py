"""The ledger's projections: the Google Sheets workbook and its offline twin, the XLSX file."""
