"""reviews: `Review @key(fields: "id")`; adds `Product.reviews`/`averageRating`, `User.reviews`."""
