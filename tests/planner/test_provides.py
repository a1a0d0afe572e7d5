"""@provides: an @external field is served by the providing subgraph only under the providing path."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "shop"


def test_provided_field_stays_in_the_subgraph() -> None:
    query = """
        { latestReviews { author { name } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "reviews") {
            {
              latestReviews {
                author {
                  name
                }
              }
            }
          },
        }
        """
    )


def test_not_provided_field_jumps() -> None:
    query = """
        { latestReviews { author { name email } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                latestReviews {
                  author {
                    name
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "latestReviews.@.author") {
              Fetch(service: "accounts") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    email
                  }
                }
              },
            },
          },
        }
        """
    )


def test_provides_on_an_interface_field_beats_a_subgraph_without_it() -> None:
    # "list" has `feed` but not `Post.comments` (only `Story.comments`); "quick"
    # provides `comments { id text }` on the interface. `Note.likes` is only in
    # "full", where `Note` (no key in "quick") is reached again from the `Story`
    # entity above it: "quick" serves all but that one field.
    query = """
        { feed { id comments { id text ... on Note { likes } } } }
    """
    assert plan_text("provides_interface", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "quick") {
              {
                feed {
                  __typename
                  id
                  comments {
                    __typename
                    id
                    text
                  }
                  ... on Story {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "feed") {
              Fetch(service: "full") {
                {
                  ... on Story {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Story {
                    comments {
                      __typename
                      ... on Note {
                        likes
                      }
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_a_shared_root_field_joins_a_fetch_when_one_jump_serves_the_rest() -> None:
    # "quick" provides most of `comments` but `Note.likes` needs a re-fetch from
    # `Story` anyway; "list" (already asked for `story`) reaches "full" for the
    # whole `comments` in one jump: two fetches instead of three (as Apollo's planner).
    query = """
        { story(id: "1") { id } feed { comments { id ... on Note { likes } } } }
    """
    assert plan_text("provides_interface", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "list") {
              {
                story(id: "1") {
                  id
                }
                feed {
                  __typename
                  ... on Story {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "feed") {
              Fetch(service: "full") {
                {
                  ... on Story {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Story {
                    comments {
                      __typename
                      id
                      ... on Note {
                        likes
                      }
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_a_field_re_fetched_from_each_implementation_of_an_abstract_ancestor() -> None:
    # As above with two implementations of `Post` ("quick" has no key for them):
    # `Note.likes` is fetched again from both `Story` and `Video` in one fetch
    # (Apollo's planner makes the same plan; this was a planning error).
    query = """
        { feed { id comments { id text ... on Note { likes } } } }
    """
    assert plan_text("provides_interface_many", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "quick") {
              {
                feed {
                  __typename
                  id
                  comments {
                    __typename
                    id
                    text
                  }
                  ... on Story {
                    __typename
                    id
                  }
                  ... on Video {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "feed") {
              Fetch(service: "full") {
                {
                  ... on Story {
                    __typename
                    id
                  }
                  ... on Video {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Story {
                    comments {
                      __typename
                      ... on Note {
                        likes
                      }
                    }
                  }
                  ... on Video {
                    comments {
                      __typename
                      ... on Note {
                        likes
                      }
                    }
                  }
                }
              },
            },
          },
        }
        """
    )
