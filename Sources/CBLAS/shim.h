// OpenBLAS's cblas.h (pkg-config `openblas` puts its folder on the include path);
// it also declares openblas_set_num_threads, which the generic cblas.h lacks.
#include <cblas.h>
