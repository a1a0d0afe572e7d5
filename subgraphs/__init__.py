"""The bundled domain subgraphs: accounts, products, reviews, inventory, orders."""
