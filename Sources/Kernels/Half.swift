/// IEEE 754 half ↔ single conversions, exact, written out so that they behave the same on
/// every platform (Swift's Float16 is missing on some).

@inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int((h >> 10) & 0x1F)
    let mant = UInt32(h & 0x3FF)
    if exp == 0 {
        if mant == 0 { return Float(bitPattern: sign) }
        let v = Float(mant) * (1.0 / 16_777_216.0)  // mant · 2^-24, subnormal
        return sign != 0 ? -v : v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
    return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
}

/// Rounds to nearest, ties to even; overflow gives ±infinity.
@inline(__always)
public func floatToHalf(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exp = Int((bits >> 23) & 0xFF)
    let mant = bits & 0x7F_FFFF
    if exp == 255 { return sign | 0x7C00 | (mant != 0 ? 0x200 : 0) }
    let e = exp - 127 + 15
    if e >= 31 { return sign | 0x7C00 }
    if e <= 0 {
        if e < -10 { return sign }
        let m = mant | 0x80_0000
        let shift = UInt32(14 - e)
        var half = m >> shift
        let rem = m & ((1 << shift) - 1)
        let halfway = UInt32(1) << (shift - 1)
        if rem > halfway || (rem == halfway && (half & 1) == 1) { half += 1 }
        return sign | UInt16(half)
    }
    var half = UInt32(e) << 10 | (mant >> 13)
    let rem = mant & 0x1FFF
    if rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1) { half += 1 }
    return sign | UInt16(half)
}
