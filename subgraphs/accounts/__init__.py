"""accounts: users. `User @key(fields: "id")`, `Query.me`, `Query.user`, `Query.users`."""
