"""inventory: `Warehouse @key(id)`, stock levels, and `Product` (by upc) extended with stock and shipping."""
