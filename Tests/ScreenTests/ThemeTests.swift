import XCTest
import Screen

final class ThemeTests: XCTestCase {
    var themesDir: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes").path
    }

    func testEveryBundledThemeParsesAndCoversTheRoles() throws {
        let names = Theme.available(directory: themesDir)
        for required in ["default", "light", "high-contrast", "monochrome"] { XCTAssertTrue(names.contains(required), required) }
        for n in names {
            let t = try Theme.load(name: n, directory: themesDir)
            XCTAssertEqual(t.name, n)
            if n != "monochrome" { XCTAssertEqual(Set(t.styles.keys), Set(Role.allCases), "\(n) misses roles") }
        }
    }

    /// A theme that colours text must colour its background too, or dark text lands on a dark
    /// terminal's own background (the light theme's 235 on black).
    func testTheLightThemeBringsItsOwnBackground() throws {
        let t = try Theme.load(name: "light", directory: themesDir)
        for role in Role.allCases {
            XCTAssertNotNil(t.style(role).bg.index256, "light: \(role.rawValue) leaves the background to the terminal")
        }
    }

    func testMonochromeHasNoColour() throws {
        let t = try Theme.load(name: "monochrome", directory: themesDir)
        for r in Role.allCases {
            XCTAssertNil(t.style(r).fg.index256); XCTAssertNil(t.style(r).bg.index256)
        }
        XCTAssertTrue(t.style(.selected).reverse)
    }

    func testColourWithEightColourFallback() throws {
        let t = try Theme.parse(name: "x", text: "title = 117/cyan default bold\nbad = brightred 0", file: "x.theme")
        XCTAssertEqual(t.style(.title).fg.index256, 117)
        XCTAssertEqual(t.style(.title).fg.index8, 6)
        XCTAssertTrue(t.style(.title).bold)
        XCTAssertEqual(t.style(.bad).fg.index256, 9)
        XCTAssertEqual(t.style(.bad).fg.index8, 1)
    }

    func testBadThemeLinesNameFileAndLine() {
        XCTAssertThrowsError(try Theme.parse(name: "x", text: "normal = default\nwat = red", file: "x.theme")) { e in
            XCTAssertTrue("\(e)".hasPrefix("x.theme:2:"), "\(e)")
        }
        XCTAssertThrowsError(try Theme.parse(name: "x", text: "title = 300", file: "x.theme")) { e in
            XCTAssertTrue("\(e)".contains("\"300\" is not a colour"), "\(e)")
        }
        XCTAssertThrowsError(try Theme.load(name: "nope", directory: themesDir)) { e in
            XCTAssertTrue("\(e)".contains("no such theme"), "\(e)")
        }
    }
}
