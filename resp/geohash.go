package resp

import "math"

// The geohash of the GEO commands, as Redis computes it: a point is a
// 52-bit interleaving of its latitude (even bits) and longitude (odd
// bits), each a 26-bit fixed-point fraction of its range, the latitude's
// being Web Mercator's (±85.05112878) rather than ±90. A sorted set
// holds the hash as each member's score; a point read back is the centre
// of its cell. Distances are haversine on a sphere of Redis's radius.

const (
	geoLonMin   = -180.0
	geoLonMax   = 180.0
	geoLatMin   = -85.05112878
	geoLatMax   = 85.05112878
	geoStep     = 26 // bits per coordinate
	earthRadius = 6372797.560856
)

// geoRange is the span of one coordinate.
type geoRange struct{ min, max float64 }

var (
	geoLonRange = geoRange{geoLonMin, geoLonMax}
	geoLatRange = geoRange{geoLatMin, geoLatMax}
)

// interleave spreads x over the even bits and y over the odd ones.
func interleave(x, y uint32) uint64 {
	spread := func(v uint64) uint64 {
		v = (v | v<<16) & 0x0000FFFF0000FFFF
		v = (v | v<<8) & 0x00FF00FF00FF00FF
		v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
		v = (v | v<<2) & 0x3333333333333333
		return (v | v<<1) & 0x5555555555555555
	}
	return spread(uint64(x)) | spread(uint64(y))<<1
}

// deinterleave returns the even bits of h as x and the odd ones as y.
func deinterleave(h uint64) (x, y uint32) {
	squash := func(v uint64) uint32 {
		v &= 0x5555555555555555
		v = (v | v>>1) & 0x3333333333333333
		v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
		v = (v | v>>4) & 0x00FF00FF00FF00FF
		v = (v | v>>8) & 0x0000FFFF0000FFFF
		v = (v | v>>16) & 0x00000000FFFFFFFF
		return uint32(v)
	}
	return squash(h), squash(h >> 1)
}

// geoEncode is the hash of (lon, lat) over the ranges, step bits each;
// the caller checked that the point is in range.
func geoEncode(lonR, latR geoRange, lon, lat float64, step uint) uint64 {
	latOff := (lat - latR.min) / (latR.max - latR.min) * float64(uint64(1)<<step)
	lonOff := (lon - lonR.min) / (lonR.max - lonR.min) * float64(uint64(1)<<step)
	return interleave(uint32(latOff), uint32(lonOff))
}

// geoDecode is the centre (lon, lat) of the cell of a 52-bit score,
// within the valid ranges.
func geoDecode(score float64) (lon, lat float64) {
	ilat, ilon := deinterleave(cUint64(score))
	cell := float64(uint64(1) << geoStep)
	latScale := geoLatRange.max - geoLatRange.min
	lonScale := geoLonRange.max - geoLonRange.min
	latMin := geoLatRange.min + float64(ilat)/cell*latScale
	latMax := geoLatRange.min + float64(ilat+1)/cell*latScale
	lonMin := geoLonRange.min + float64(ilon)/cell*lonScale
	lonMax := geoLonRange.min + float64(ilon+1)/cell*lonScale
	lon = min(max((lonMin+lonMax)/2, geoLonMin), geoLonMax)
	lat = min(max((latMin+latMax)/2, geoLatMin), geoLatMax)
	return lon, lat
}

// cUint64 converts a double to an unsigned 64-bit integer as Redis's
// (uint64_t) cast does on x86-64: a truncation below 2^63, then the
// signed conversion's "integer indefinite" (2^63) out of range, which the
// cast's handling of values from 2^63 up turns to 0 for an infinity or a
// value past 2^64.
func cUint64(f float64) uint64 {
	const two63 = 1 << 63
	signed := func(v float64) uint64 {
		if v != v || v >= two63 || v < -two63 {
			return 1 << 63
		}
		return uint64(int64(v))
	}
	if f >= two63 {
		return signed(f-two63) ^ 1<<63
	}
	return signed(f)
}

// geoScore is the score GEOADD stores for (lon, lat).
func geoScore(lon, lat float64) float64 {
	return float64(geoEncode(geoLonRange, geoLatRange, lon, lat, geoStep))
}

// geoHashString is GEOHASH's standard 11-character geohash of a score:
// its point encoded again over ±90 latitude, the last character 0.
func geoHashString(score float64) string {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := geoDecode(score)
	h := geoEncode(geoRange{-180, 180}, geoRange{-90, 90}, lon, lat, geoStep)
	var b [11]byte
	for i := range 10 {
		b[i] = alphabet[(h>>(52-(i+1)*5))&0x1f]
	}
	b[10] = alphabet[0]
	return string(b[:])
}

func degRad(d float64) float64 { return d * (math.Pi / 180.0) }

// geoLatDistance is the distance in meters between two latitudes.
func geoLatDistance(lat1, lat2 float64) float64 {
	return earthRadius * math.Abs(degRad(lat2)-degRad(lat1))
}

// geoDistance is the haversine distance in meters between two points.
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	v := math.Sin((degRad(lon2) - degRad(lon1)) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r, lat2r := degRad(lat1), degRad(lat2)
	u := math.Sin((lat2r - lat1r) / 2)
	a := u*u + math.Cos(lat1r)*math.Cos(lat2r)*v*v
	return 2.0 * earthRadius * math.Asin(math.Sqrt(a))
}

// geoInBox reports whether (lon, lat) is in the box of width and height
// meters centred on (clon, clat), and its distance from the centre.
func geoInBox(width, height, clon, clat, lon, lat float64) (float64, bool) {
	if geoLatDistance(lat, clat) > height/2 {
		return 0, false
	}
	if geoDistance(lon, lat, clon, lat) > width/2 {
		return 0, false
	}
	return geoDistance(clon, clat, lon, lat), true
}

// geoCell is a geohash cell: its bits, step bits per coordinate; the
// zero cell (bits and step 0) is one a search skips.
type geoCell struct {
	bits uint64
	step uint
}

// mercatorMax is half the Web Mercator world's width in meters.
const mercatorMax = 20037726.37

// geoStepsFor is the cell size, in bits per coordinate, of a search
// reaching rangeMeters from a centre at latitude lat, as Redis estimates
// it: the finest whose cell and neighbours cover the range, one or two
// steps coarser near the poles.
func geoStepsFor(rangeMeters, lat float64) uint {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint(min(max(step, 1), 26))
}

// geoCellBox is the (lon, lat) box a cell covers.
func geoCellBox(c geoCell) (lonMin, lonMax, latMin, latMax float64) {
	ilat, ilon := deinterleave(c.bits)
	cells := float64(uint64(1) << c.step)
	latScale := geoLatRange.max - geoLatRange.min
	lonScale := geoLonRange.max - geoLonRange.min
	latMin = geoLatRange.min + float64(ilat)/cells*latScale
	latMax = geoLatRange.min + float64(ilat+1)/cells*latScale
	lonMin = geoLonRange.min + float64(ilon)/cells*lonScale
	lonMax = geoLonRange.min + float64(ilon+1)/cells*lonScale
	return lonMin, lonMax, latMin, latMax
}

// geoMove is the cell next to c: dx columns east (longitude, the odd
// bits) and dy rows north (latitude, the even bits), wrapping at the
// edges, computed on the interleaved bits as Redis does (the other
// coordinate's bits, set to ones, carry the step across).
func geoMove(c geoCell, dx, dy int) geoCell {
	shift := 64 - 2*c.step
	move := func(bits, own, other uint64, d int) uint64 {
		v, rest := bits&own, bits&other
		zz := other >> shift
		switch {
		case d > 0:
			v += zz + 1
		case d < 0:
			v = (v | zz) - (zz + 1)
		default:
			return bits
		}
		return v&(own>>shift) | rest
	}
	const odd, even = 0xaaaaaaaaaaaaaaaa, 0x5555555555555555
	bits := move(c.bits, odd, even, dx)
	bits = move(bits, even, odd, dy)
	return geoCell{bits, c.step}
}

// geoSearchCells are the cells a search walks, in Redis's order: the
// centre's, then north, south, east, west, north-east, north-west,
// south-east and south-west, the neighbours the search cannot reach
// zeroed. radius is a circle's (meters), or with box the width and
// height (meters) give the shape.
func geoSearchCells(lon, lat, radius float64, box bool, width, height float64) [9]geoCell {
	halfH, halfW := radius, radius
	rangeMeters := radius
	if box {
		halfH, halfW = height/2, width/2
		rangeMeters = math.Sqrt(halfW*halfW + halfH*halfH)
	}
	// The search's bounding box.
	latDelta := radDeg(halfH / earthRadius)
	lonDeltaTop := radDeg(halfW / earthRadius / math.Cos(degRad(lat+latDelta)))
	lonDeltaBottom := radDeg(halfW / earthRadius / math.Cos(degRad(lat-latDelta)))
	minLon, maxLon := lon-lonDeltaTop, lon+lonDeltaTop
	if lat < 0 {
		minLon, maxLon = lon-lonDeltaBottom, lon+lonDeltaBottom
	}
	minLat, maxLat := lat-latDelta, lat+latDelta

	step := geoStepsFor(rangeMeters, lat)
	cells := func(step uint) [9]geoCell {
		c := geoCell{geoEncode(geoLonRange, geoLatRange, lon, lat, step), step}
		return [9]geoCell{c, geoMove(c, 0, 1), geoMove(c, 0, -1), geoMove(c, 1, 0), geoMove(c, -1, 0),
			geoMove(c, 1, 1), geoMove(c, -1, 1), geoMove(c, 1, -1), geoMove(c, -1, -1)}
	}
	const (
		centre = iota
		north
		south
		east
		west
		northEast
		northWest
		southEast
		southWest
	)
	cs := cells(step)
	// A neighbour too close to the centre to hold the whole range: one
	// step coarser.
	_, _, _, nLatMax := geoCellBox(cs[north])
	_, _, sLatMin, _ := geoCellBox(cs[south])
	_, eLonMax, _, _ := geoCellBox(cs[east])
	wLonMin, _, _, _ := geoCellBox(cs[west])
	if step > 1 && (nLatMax < maxLat || sLatMin > minLat || eLonMax < maxLon || wLonMin > minLon) {
		step--
		cs = cells(step)
	}
	if step >= 2 {
		lonMin, lonMax, latMin, latMax := geoCellBox(cs[centre])
		zero := func(ids ...int) {
			for _, i := range ids {
				cs[i] = geoCell{}
			}
		}
		if latMin < minLat {
			zero(south, southWest, southEast)
		}
		if latMax > maxLat {
			zero(north, northEast, northWest)
		}
		if lonMin < minLon {
			zero(west, southWest, northWest)
		}
		if lonMax > maxLon {
			zero(east, southEast, northEast)
		}
	}
	return cs
}

// scoreRange is the scores [min, max) of the points in cell c.
func (c geoCell) scoreRange() (lo, hi uint64) {
	shift := 2 * (geoStep - c.step)
	return c.bits << shift, (c.bits + 1) << shift
}

func radDeg(r float64) float64 { return r / (math.Pi / 180.0) }
