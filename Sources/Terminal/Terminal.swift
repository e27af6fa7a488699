import CNCursesw
import Foundation
import Screen

/// The only code that calls ncurses: it opens the terminal, draws the cells of a screen
/// buffer that changed since the last frame, reads keys and mouse clicks, and restores the
/// terminal on every exit path (normal close, SIGINT/SIGTERM through the caller's loop, and
/// fatal signals through a handler).
public final class Terminal {
    private var last: ScreenBuffer?
    private var closed = false
    public private(set) var colors: Int = 0
    public let mouse: Bool

    /// Opens the terminal in cbreak mode with keypad and (optionally) mouse reporting.
    public init(theme: Theme, mouse: Bool = true) {
        setlocale(LC_ALL, "")
        self.mouse = mouse
        initscr()
        Terminal.installFatalHandlers()
        cbreak(); noecho(); nonl()
        keypad(plx_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        if mouse { mousemask(mmask_t(plx_all_mouse_events()), nil); mouseinterval(0) }
        if has_colors() { start_color(); use_default_colors(); colors = Int(plx_colors()) }
        apply(theme)
    }

    deinit { close() }

    /// Restores the terminal; safe to call more than once.
    public func close() {
        guard !closed else { return }
        closed = true
        endwin()
    }

    public var size: (width: Int, height: Int) { (Int(plx_cols()), Int(plx_lines())) }

    private var attrs: [Role: (Int32, Int16)] = [:]

    /// Colour pairs and attributes for a theme: 256-colour indices where the terminal has
    /// them, the 8-colour fallbacks otherwise, and attributes alone without colour.
    public func apply(_ theme: Theme) {
        attrs = [:]
        for (i, role) in Role.allCases.enumerated() {
            let st = theme.style(role)
            var a: Int32 = 0
            if st.bold { a |= plx_a_bold() }
            if st.underline { a |= plx_a_underline() }
            if st.reverse { a |= plx_a_reverse() }
            if st.dim { a |= plx_a_dim() }
            var pair: Int16 = 0
            if colors >= 8 {
                func pick(_ c: Theme.Color) -> Int16 { Int16((colors >= 256 ? c.index256 : c.index8) ?? -1) }
                let fg = pick(st.fg), bg = pick(st.bg)
                if fg >= 0 || bg >= 0 { pair = Int16(i + 1); init_pair(pair, fg, bg) }
                if colors < 256, let f = st.fg.index256, f >= 8, f < 16 { a |= plx_a_bold() }  // bright colours as bold
            }
            attrs[role] = (a, pair)
        }
        last = nil
    }

    /// Draws what changed since the last frame (everything after a resize or theme change).
    public func draw(_ buf: ScreenBuffer) {
        let full = last == nil || last!.width != buf.width || last!.height != buf.height
        if full { erase() }
        for y in 0..<buf.height {
            for x in 0..<buf.width {
                let c = buf[x, y]
                if c.isContinuation { continue }
                if !full, let l = last, l[x, y] == c { continue }
                let (a, p) = attrs[c.role] ?? (0, 0)
                _ = String(c.char).withCString { plx_put_cell(Int32(y), Int32(x), $0, a, p) }
            }
        }
        refresh()
        last = buf
    }

    /// Forces the next draw to repaint every cell (after a resize).
    public func invalidate() { last = nil; clearok(plx_stdscr(), true) }

    /// Waits up to `timeoutMs` for a key; nil when none came. `.resize` is reported as nil
    /// with `resized` set, since the caller re-reads the size.
    public func readKey(timeoutMs: Int32, resized: inout Bool) -> Key? {
        timeout(timeoutMs)
        var ch: Int32 = 0
        let r = plx_get_key(&ch)
        if r < 0 { return nil }
        if r == 1 {
            switch ch {
            case plx_key_resize(): resized = true; return nil
            case plx_key_mouse():
                var x: Int32 = 0, y: Int32 = 0
                return plx_mouse(&x, &y) != 0 ? .mouse(x: Int(x), y: Int(y)) : nil
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_BTAB: return .backTab
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_ENTER: return .enter
            default: return nil
            }
        }
        switch ch {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(96 + ch))))
        default:
            guard let u = Unicode.Scalar(UInt32(ch)) else { return nil }
            return .char(Character(u))
        }
    }

    /// On a crash (trap, segfault) the terminal is restored before the default action runs.
    static func installFatalHandlers() {
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(sig) { s in
                endwin()
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }
}
