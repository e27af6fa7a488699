// The functions are static inline in intrinsics.h; SwiftPM needs one source file for the target.
#include "intrinsics.h"
