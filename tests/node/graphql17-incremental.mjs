// graphql-js 17.0.0-alpha.9 (npm alias `graphql17`), the reference implementation of
// `incrementalSpec=v0.2`, runs @defer operations over the API schema of the stub
// subgraphs of tests/defer/stubs.py with the same data, in one process:
//
//   node graphql17-incremental.mjs QUERIES_JSON
//
// prints, per query, the list of its payloads (initial, then each subsequent) as one
// JSON line (tests/defer/test_graphql_js.py compares them with the router's parts).
import { buildSchema, parse, experimentalExecuteIncrementally } from 'graphql17';

const schema = buildSchema(`
  directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT
  type Query { products: [Product!]! product(upc: ID!): Product search: [SearchResult!]! }
  type Product { upc: ID! name: String! price: Int! reviews: [Review!]!
    featured: [Review!]! inStock: Boolean! }
  type Review { id: ID! stars: Int body: String! }
  type Article { id: ID! title: String! }
  union SearchResult = Product | Article
`);
const UPCS = ['p1', 'p2', 'p3'];
const review = (upc, i) => ({
  id: `${upc}-r${i}`,
  stars: i,
  body: () => {
    if (upc === 'p3') throw new Error('review body unavailable');
    return `Review ${upc}-r${i}`;
  },
});
const product = (upc) => ({
  __typename: 'Product',
  upc,
  name: `Product ${upc}`,
  price: 10 * (UPCS.indexOf(upc) + 1),
  inStock: upc !== 'p2',
  reviews: [1, 2].map((i) => review(upc, i)),
  featured: upc === 'p1' ? [1, 2].map((i) => review(upc, i)) : [],
});
const rootValue = {
  products: UPCS.map(product),
  product: ({ upc }) => (UPCS.includes(upc) ? product(upc) : null),
  search: [product('p1'), { __typename: 'Article', id: 'a1', title: 'On defer' }],
};
const queries = JSON.parse(process.argv[2]);
for (const query of queries) {
  const document = parse(query);
  const result = await experimentalExecuteIncrementally({ schema, document, rootValue });
  const payloads = [];
  if ('initialResult' in result) {
    payloads.push(result.initialResult);
    for await (const part of result.subsequentResults) payloads.push(part);
  } else {
    payloads.push(result);
  }
  process.stdout.write(`${JSON.stringify(payloads)}\n`);
}
