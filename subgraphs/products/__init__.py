"""products: `Product @key(upc) @key(id)`, `Category @key(slug)`, product queries and search."""
