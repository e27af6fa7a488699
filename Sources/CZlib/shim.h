// zlib (Debian's zlib1g-dev): inflates the deflated entries of METEOR's jar and its gzip
// paraphrase table.
#include <zlib.h>
