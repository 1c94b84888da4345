"""The demo company, Northwind Goods: everything that exists only to show the assistant working.

Kept out of the runtime and domain packages so that production code never carries demo data:
the seeders (`seed`, `hr_seed`), the demo accounts and employees read back from the database
(`accounts`, `employees`), and the company's documents with the collections they go into
(`documents`, `company_docs/`). It sits above the domain packages it fills and below the
runtimes and operations that show or load it (the layers contract in pyproject.toml).
"""
