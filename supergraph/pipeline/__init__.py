"""The request pipeline: a GraphQL request in, its response out; nothing here knows HTTP."""
