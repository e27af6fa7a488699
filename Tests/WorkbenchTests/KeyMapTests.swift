import Screen
import Workbench
import XCTest

final class KeyMapTests: XCTestCase {
    func testNoKeyMeansTwoThingsOnOneScreen() {
        for screen in ScreenID.allCases {
            var owner: [Key: Command] = [:]
            for b in KeyMap.bindings where b.screens?.contains(screen) == true {
                for k in b.keys {
                    if let c = owner[k], c != b.command { XCTFail("\(k.label) on \(screen.title): \(c) and \(b.command)") }
                    owner[k] = b.command
                }
            }
        }
    }

    func testScreenBindingsWinOverGlobalOnes() {
        XCTAssertEqual(KeyMap.command(for: .char("n"), on: .runs), .newRun)
        XCTAssertEqual(KeyMap.command(for: .char("n"), on: .datasets), .nextMatch)
        XCTAssertEqual(KeyMap.command(for: .char("q"), on: .compare), .quit)
        XCTAssertEqual(KeyMap.command(for: .char("j"), on: .events), .down)
        XCTAssertNil(KeyMap.command(for: .char("Z"), on: .runs))
    }

    func testHelpAndFooterComeFromTheTable() {
        let help = KeyMap.helpLines().joined(separator: "\n")
        for b in KeyMap.bindings { XCTAssertTrue(help.contains(b.help), b.help) }
        let footer = KeyMap.footer(for: .runs).map(\.1)
        XCTAssertEqual(Array(footer.prefix(3)), ["new run", "start queued run", "pause"])
        XCTAssertTrue(footer.contains("quit"))
        XCTAssertFalse(KeyMap.footer(for: .compare).map(\.1).contains("new run"))
    }

    func testEveryTextFieldKeyTheHelpListsEdits() {
        for b in TextInput.bindings {
            for k in b.keys {
                var t = TextInput("ab cd")
                _ = t.apply(.left)  // the cursor inside the text, so every key has something to do
                XCTAssertTrue(t.apply(k), "\(k.label) (\(b.help)) is listed but does nothing")
            }
        }
        XCTAssertTrue(KeyMap.helpLines().contains { $0.contains("delete the word before the cursor") })
    }

    func testEveryDetailViewKeyIsInItsFooter() {
        var s = Fixtures.group()
        _ = reduce(&s, .resize(width: 220, height: 30))
        s.mode = .detail(run: "ft-1", scroll: 0)
        let footer = render(s, glyphs: .unicode).lines.last!
        for b in KeyMap.detailBindings { XCTAssertTrue(footer.contains(b.help), "\(b.help) not in \(footer)") }
        _ = reduce(&s, .key(.char("q")))
        XCTAssertEqual(s.mode, .normal)
    }
}
