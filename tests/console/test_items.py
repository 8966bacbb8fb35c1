"""Explore items and the item editor, in a real browser: Reset goes back to the table, plain JSON
keeps the types of what was not changed, the grid scrolls inside its card, the form editor builds
nested maps and lists, errors stay at their field only until it is corrected, saves are confirmed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage


def music_table(client: Any, items: list[dict[str, Any]]) -> Any:
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="Music",
        KeySchema=[{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "Artist", "AttributeType": "S"},
            {"AttributeName": "SongTitle", "AttributeType": "S"},
            {"AttributeName": "Year", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByYear",
                "KeySchema": [{"AttributeName": "Year", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for item in items:
        ddb.put_item(TableName="Music", Item=item)
    return ddb


def rows(console: ConsolePage) -> Any:
    return console.page.get_by_role("grid", name="Items").locator(".tabulator-row")


def test_reset_scans_the_table_again(console: ConsolePage, client: Any) -> None:
    music_table(
        client,
        [
            {"Artist": {"S": "A"}, "SongTitle": {"S": "One"}, "Year": {"N": "2001"}},
            {"Artist": {"S": "B"}, "SongTitle": {"S": "Two"}},  # not in the index: no Year
        ],
    )
    page = console.page
    console.open("/dynamodb/tables/Music/items")
    expect(rows(console)).to_have_count(2)
    page.get_by_label("Table or index").select_option("ByYear")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(rows(console)).to_have_count(1)
    page.get_by_role("button", name="Reset").click()
    expect(page.get_by_label("Table or index")).to_have_value("")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(rows(console)).to_have_count(2)


def test_plain_json_keeps_sets_and_binary(console: ConsolePage, client: Any) -> None:
    original = {
        "Artist": {"S": "A"},
        "SongTitle": {"S": "One"},
        "Tags": {"SS": ["rock", "live"]},
        "Scores": {"NS": ["1", "2.5"]},
        "Cover": {"B": b"\x00\x01png"},
        "Meta": {"M": {"Labels": {"SS": ["x"]}, "Plays": {"N": "10"}}},
    }
    ddb = music_table(client, [original])
    page = console.page
    console.open("/dynamodb/tables/Music/items")
    rows(console).first.click()
    page.get_by_role("button", name="Edit item").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="JSON view").click()
    dialog.get_by_label("Plain JSON").check()
    expect(dialog.locator(".cm-content")).to_contain_text('"Tags"')
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("The item was saved.")
    stored = ddb.get_item(TableName="Music", Key={"Artist": {"S": "A"}, "SongTitle": {"S": "One"}})["Item"]
    assert stored["Tags"]["SS"] and sorted(stored["Tags"]["SS"]) == ["live", "rock"]
    assert sorted(stored["Scores"]["NS"]) == ["1", "2.5"]
    assert stored["Cover"] == {"B": b"\x00\x01png"}
    assert stored["Meta"]["M"]["Labels"] == {"SS": ["x"]}

    # A changed set stays a set; a new array is a list.
    rows(console).first.click()
    page.get_by_role("button", name="Edit item").click()
    dialog.get_by_role("tab", name="JSON view").click()
    dialog.get_by_label("Plain JSON").check()
    editor = dialog.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    editor.fill(
        '{"Artist": "A", "SongTitle": "One", "Tags": ["rock", "live", "studio"], "Scores": [1, 2.5],'
        ' "Cover": "AAFwbmc=", "Meta": {"Labels": ["x"], "Plays": 11}, "New": ["a"]}'
    )
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog).to_have_count(0)
    stored = ddb.get_item(TableName="Music", Key={"Artist": {"S": "A"}, "SongTitle": {"S": "One"}})["Item"]
    assert sorted(stored["Tags"]["SS"]) == ["live", "rock", "studio"]
    assert stored["Meta"]["M"]["Plays"] == {"N": "11"} and stored["Meta"]["M"]["Labels"] == {"SS": ["x"]}
    assert stored["New"] == {"L": [{"S": "a"}]}


def test_plain_json_hint_does_not_move_the_editor(console: ConsolePage, client: Any) -> None:
    music_table(client, [{"Artist": {"S": "A"}, "SongTitle": {"S": "One"}}])
    page = console.page
    console.open("/dynamodb/tables/Music/items")
    rows(console).first.click()
    page.get_by_role("button", name="Edit item").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="JSON view").click()
    editor = dialog.locator(".cm-editor")
    before = editor.bounding_box()
    dialog.get_by_label("Plain JSON").check()
    expect(dialog.locator(".cm-content")).to_contain_text('"Artist": "A"')
    after = editor.bounding_box()
    assert before and after and before["y"] == after["y"], (before, after)


def test_wide_results_scroll_inside_their_card(console: ConsolePage, client: Any) -> None:
    wide = {f"attribute_number_{n:02d}": {"S": "a fairly long value " * 3} for n in range(14)}
    music_table(client, [{"Artist": {"S": f"A{n}"}, "SongTitle": {"S": "One"}, **wide} for n in range(30)])
    page = console.page
    console.open("/dynamodb/tables/Music/items")
    expect(rows(console)).to_have_count(30)
    grid = page.get_by_role("grid", name="Items")
    panel = page.locator(".panel", has=grid)
    grid_box, panel_box = grid.bounding_box(), panel.bounding_box()
    assert grid_box and panel_box
    assert grid_box["x"] + grid_box["width"] <= panel_box["x"] + panel_box["width"] + 1, (grid_box, panel_box)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Scrollbars may be overlays that show nothing until one scrolls: the grid says there is more
    # and scrolls sideways on a click, without the 30 rows to scroll past first.
    holder = grid.locator(".tabulator-tableholder")
    right = page.get_by_role("button", name="Scroll Items right")
    expect(right).to_be_visible()
    expect(page.get_by_text("more columns to the right")).to_be_visible()
    assert holder.evaluate("h => h.scrollLeft") == 0
    right.click()
    page.wait_for_function("() => document.querySelector('.tabulator-tableholder').scrollLeft > 0")
    expect(page.get_by_role("button", name="Scroll Items left")).to_be_enabled()
    console.shot("wide")


def test_narrow_results_offer_no_sideways_scroll(console: ConsolePage, client: Any) -> None:
    music_table(client, [{"Artist": {"S": "A"}, "SongTitle": {"S": "One"}}])
    page = console.page
    console.open("/dynamodb/tables/Music/items")
    expect(rows(console)).to_have_count(1)
    expect(page.get_by_role("button", name="Scroll Items right")).to_have_count(0)


def test_form_editor_with_nested_map_and_list(console: ConsolePage, client: Any) -> None:
    ddb = music_table(client, [])
    page = console.page
    console.open("/dynamodb/tables/Music/items")
    expect(page.get_by_text("0 returned")).to_be_visible()
    page.get_by_role("button", name="Create item").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("tab", name="Form")).to_have_attribute("aria-selected", "true")
    dialog.get_by_label("Value of Artist").fill("Acme Band")
    dialog.get_by_label("Value of SongTitle").fill("Happy Day")

    dialog.get_by_role("button", name="Add new attribute").click()
    dialog.get_by_label("Attribute name of attribute 3").fill("Year")
    dialog.get_by_label("Type of Year").select_option("N")
    dialog.get_by_label("Value of Year").fill("twenty")
    dialog.get_by_role("button", name="Create item").click()
    row_error = dialog.locator(".field-invalid", has=page.get_by_label("Value of Year"))
    expect(row_error).to_contain_text("Enter a number.")
    dialog.get_by_label("Value of Year").fill("2001")
    expect(dialog.locator(".field-error")).to_have_count(0)

    dialog.get_by_role("button", name="Add new attribute").click()
    dialog.get_by_label("Attribute name of attribute 4").fill("Info")
    dialog.get_by_label("Type of Info").select_option("M")
    dialog.get_by_role("button", name="Add attribute to Info").click()
    dialog.get_by_label("Attribute name of Info.attribute 1").fill("Label")
    dialog.get_by_label("Value of Info.Label").fill("Acme Records")
    dialog.get_by_role("button", name="Add attribute to Info").click()
    dialog.get_by_label("Attribute name of Info.attribute 2").fill("Charts")
    dialog.get_by_label("Type of Info.Charts").select_option("L")
    dialog.get_by_role("button", name="Add element to Info.Charts").click()
    dialog.get_by_label("Type of Info.Charts[0]").select_option("N")
    dialog.get_by_label("Value of Info.Charts[0]").fill("7")
    dialog.get_by_role("button", name="Add new attribute").click()
    dialog.get_by_label("Attribute name of attribute 5").fill("Tags")
    dialog.get_by_label("Type of Tags").select_option("SS")
    dialog.get_by_label("Value of Tags").fill("pop\nsummer")
    console.shot("form-editor")

    # The JSON view shows the same item; back in the form nothing is lost.
    dialog.get_by_role("tab", name="JSON view").click()
    expect(dialog.locator(".cm-content")).to_contain_text('"SS"')
    dialog.get_by_role("tab", name="Form").click()
    expect(dialog.get_by_label("Value of Info.Charts[0]")).to_have_value("7")
    dialog.get_by_label("Value of Info.Charts[0]").press("Control+Enter")  # saves, as in the JSON view
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("The item was created.")
    stored = ddb.get_item(TableName="Music", Key={"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}})
    assert stored["Item"]["Year"] == {"N": "2001"}
    assert stored["Item"]["Info"] == {"M": {"Label": {"S": "Acme Records"}, "Charts": {"L": [{"N": "7"}]}}}
    assert sorted(stored["Item"]["Tags"]["SS"]) == ["pop", "summer"]


def test_item_editor_error_goes_when_the_item_changes(console: ConsolePage, client: Any) -> None:
    music_table(client, [])
    page = console.page
    console.open("/dynamodb/tables/Music/items")
    page.get_by_role("button", name="Create item").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Value of Artist").fill("Nobody")
    assert dialog.get_by_role("button", name="Remove SongTitle").count() == 0  # keys can't be removed
    dialog.get_by_role("tab", name="JSON view").click()
    editor = dialog.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    editor.fill('{"Artist": {"S": "Nobody"}}')
    dialog.get_by_role("button", name="Create item").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Missing the key SongTitle")
    editor.press("End")
    page.keyboard.type(" ")
    expect(dialog.get_by_role("alert")).to_have_count(0)
