"""Users from outside: the user template fetched, filled, uploaded and created; the
processed file gives each row a username, and a separate credentials file, for the
tenant's admins only, hands out the one-time passwords."""

from urllib.parse import parse_qs, urlsplit

from tests.e2e import workbooks as wb
from tests.support.served_stack import READ_ROLE

DISTRICT = {"code": "NERAGE_866B43", "type": "District", "includeAllChildren": True}
DISTRICT_NAME = "Nerage"
ROLES = ("Registrar", "Distributor", "Registrar, Distributor")


def _users(codes):
    return [
        {
            wb.USER_NAME: f"Nerage Worker {number}",
            # typed as a number, as Excel users do
            wb.PHONE: 9_300_000_000 + number,
            wb.ROLE: ROLES[number % len(ROLES)],
            wb.EMPLOYMENT_TYPE: ("Temporary", "Permanent")[number % 2],
            wb.BOUNDARY_CODE: code,
            wb.USER_USAGE: "Active",
        }
        for number, code in enumerate(codes)
    ]


def _template(integrator) -> bytes:
    """The user template of one district, generated, polled and fetched through its URL."""
    started = integrator.generate("userWithBoundary", filters={"boundaries": [DISTRICT]})
    done = integrator.wait_for_template("userWithBoundary", generated_id=started["id"])
    assert done["status"] == "completed", done["additionalDetails"]
    return integrator.fetch(done["fileStoreId"])


def test_a_filled_user_template_is_created_with_a_username_per_row(integrator):
    # Given the user template of a district, fetched through its URL, with three users
    book = wb.open_book(_template(integrator))
    rows = _users(wb.localities(book, DISTRICT_NAME, 3))
    wb.fill_rows(book, wb.USER_NAME, rows)
    # When it is uploaded and created
    file_store_id = integrator.upload(wb.save(book), filename="users.xlsx")
    resource = integrator.create_and_wait(file_store_id, "user")
    # Then every user is created, and the processed file gives each row a username and the
    # user's id, and no password
    assert resource["status"] == "created", resource["additionalDetails"]
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.USER_NAME)
    names = [row[wb.USER_NAME] for row in rows]
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.USER_NAME, names)
    assert [row[wb.STATUS] for row in processed] == ["CREATED"] * 3
    usernames = [row[wb.USERNAME] for row in processed]
    assert all(usernames) and len(set(usernames)) == 3, usernames
    assert not any(row[wb.PASSWORD] for row in processed)
    assert all(row[wb.USER_UUID] for row in processed)


def test_a_phone_already_registered_is_an_invalid_row_of_a_later_file(integrator):
    # Given a user created from one file
    template = _template(integrator)
    book = wb.open_book(template)
    first = _users(wb.localities(book, DISTRICT_NAME, 1))
    wb.fill_rows(book, wb.USER_NAME, first)
    created = integrator.create_and_wait(integrator.upload(wb.save(book)), "user")
    assert created["status"] == "created", created["additionalDetails"]
    # When a second file registers someone else on the same phone
    again = wb.open_book(template)
    wb.fill_rows(again, wb.USER_NAME, [first[0] | {wb.USER_NAME: "Someone Else"}])
    resource = integrator.create_and_wait(integrator.upload(wb.save(again)), "user")
    # Then that row is INVALID, saying the phone is already registered
    assert resource["status"] == "invalid", resource["additionalDetails"]
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.USER_NAME)
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.USER_NAME, ["Someone Else"])
    [row] = processed
    assert row[wb.STATUS] == "INVALID" and "already registered" in row[wb.ERRORS], row


def test_an_admin_fetches_the_credentials_file_through_its_link_and_a_reader_is_refused(
    integrator, served
):
    # Given three users created from a filled template
    book = wb.open_book(_template(integrator))
    wb.fill_rows(book, wb.USER_NAME, _users(wb.localities(book, DISTRICT_NAME, 3)))
    resource = integrator.create_and_wait(integrator.upload(wb.save(book)), "user")
    assert resource["status"] == "created", resource["additionalDetails"]
    credentials_id = resource["additionalDetails"]["credentialsFileStoreId"]

    # When the admin asks for its URL and fetches the file from there
    url = integrator.file_urls(credentials_id)[credentials_id]
    lines = wb.sheet_rows(integrator.fetch_url(url), wb.USERNAME)

    # Then it has one line per created user, each with the processed file's username and a
    # password, and its link lives 300 s (the processed file's 900 s)
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.USER_NAME)
    assert sorted(line[wb.USERNAME] for line in lines) == sorted(
        row[wb.USERNAME] for row in processed
    )
    assert all(line[wb.PASSWORD] for line in lines) and len(lines) == 3
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["300"]
    processed_url = integrator.file_urls(resource["processedFileStoreId"])
    assert parse_qs(urlsplit(processed_url[resource["processedFileStoreId"]]).query)[
        "X-Amz-Expires"
    ] == ["900"]
    # and a reader of the same tenant gets no link to it (but does to the processed file)
    reader = served.client(integrator.tenant_id, roles=[READ_ROLE])
    answer = reader.get(
        "/filestore/v1/files/url",
        params={"tenantId": integrator.tenant_id, "fileStoreIds": credentials_id},
    )
    assert reader.expect(answer, 403)["Errors"][0]["code"] == "ROLE_FORBIDDEN"
    assert list(reader.file_urls(resource["processedFileStoreId"])) == [
        resource["processedFileStoreId"]
    ]
