"""orders: `Order @key(fields: "id")` with items; `User.orders`, `Query.order`, `Mutation.placeOrder`."""
