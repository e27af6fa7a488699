// ncursesw with its wide-character API, plus functions for what ncurses provides as macros
// (which Swift cannot import).
#ifndef PREFIXLAB_CNCURSESW_SHIM_H
#define PREFIXLAB_CNCURSESW_SHIM_H
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#ifdef __APPLE__
#include <curses.h>
#else
#include <ncursesw/curses.h>
#endif

static inline int plx_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int plx_a_bold(void) { return (int)A_BOLD; }
static inline int plx_a_underline(void) { return (int)A_UNDERLINE; }
static inline int plx_a_reverse(void) { return (int)A_REVERSE; }
static inline int plx_a_dim(void) { return (int)A_DIM; }
static inline int plx_lines(void) { return LINES; }
static inline int plx_cols(void) { return COLS; }
static inline int plx_colors(void) { return COLORS; }
static inline WINDOW *plx_stdscr(void) { return stdscr; }
static inline int plx_key_resize(void) { return KEY_RESIZE; }
static inline int plx_key_mouse(void) { return KEY_MOUSE; }
static inline unsigned long plx_all_mouse_events(void) { return (unsigned long)(BUTTON1_CLICKED | BUTTON1_PRESSED); }

/// Draws one grapheme (UTF-8 bytes) with attributes and colour pair at (y, x).
static inline int plx_put_cell(int y, int x, const char *utf8, int attrs, short pair) {
    wchar_t wide[8];
    mbstate_t st = {0};
    const char *src = utf8;
    size_t n = mbsrtowcs(wide, &src, 7, &st);
    if (n == (size_t)-1 || n == 0) { wide[0] = L'?'; n = 1; }
    wide[n] = 0;
    cchar_t cc;
    setcchar(&cc, wide, (attr_t)attrs, pair, NULL);
    return mvadd_wch(y, x, &cc);
}

/// Reads one key: returns 0 for a character (in *ch), 1 for a function key (in *ch), -1 for none.
static inline int plx_get_key(int *ch) {
    wint_t w = 0;
    int r = get_wch(&w);
    *ch = (int)w;
    if (r == ERR) return -1;
    return r == KEY_CODE_YES ? 1 : 0;
}

/// The last mouse event's position and whether it was a click.
static inline int plx_mouse(int *x, int *y) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return 0;
    *x = ev.x; *y = ev.y;
    return (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) != 0;
}
#endif
