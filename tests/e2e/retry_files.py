"""A facility file for the retry modules: the fetched template of one district, filled."""

from tests.e2e import workbooks as wb

DISTRICT = {"code": "KOLO_F765D1", "type": "District", "includeAllChildren": True}
DISTRICT_NAME = "Kolo"


def facility_file(integrator, names, *, inactive=()) -> bytes:
    started = integrator.generate("facilityWithBoundary", filters={"boundaries": [DISTRICT]})
    done = integrator.wait_for_template("facilityWithBoundary", generated_id=started["id"])
    assert done["status"] == "completed", done["additionalDetails"]
    book = wb.open_book(integrator.fetch(done["fileStoreId"]))
    codes = wb.localities(book, DISTRICT_NAME, len(names))
    rows = [
        {
            wb.FACILITY_NAME: name,
            wb.FACILITY_TYPE: "Storing Resource",
            wb.FACILITY_STATUS: "Temporary",
            wb.CAPACITY: 40,
            wb.BOUNDARY_CODE: code,
            wb.FACILITY_USAGE: "Inactive" if name in inactive else "Active",
        }
        for name, code in zip(names, codes, strict=True)
    ]
    wb.fill_rows(book, wb.FACILITY_NAME, rows)
    return wb.save(book)
