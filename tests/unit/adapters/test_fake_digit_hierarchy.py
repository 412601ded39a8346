"""The fake's boundary hierarchy endpoints, which template generation will read."""

HIERARCHY_SEARCH = "/boundary-service/boundary-hierarchy-definition/_search"


def test_hierarchy_definition_search_answers_the_levels_set(digit, client):
    # Given a hierarchy defined in the fake
    digit.set_hierarchy("mz", "ADMIN", ["Country", "Province", "District"])

    # When its definition is searched
    answer = client.post(
        HIERARCHY_SEARCH,
        {"BoundaryTypeHierarchySearchCriteria": {"tenantId": "mz", "hierarchyType": "ADMIN"}},
    )

    # Then each level names its parent level
    (definition,) = answer["BoundaryHierarchy"]
    assert [
        (level["boundaryType"], level["parentBoundaryType"])
        for level in definition["boundaryHierarchy"]
    ] == [("Country", None), ("Province", "Country"), ("District", "Province")]
