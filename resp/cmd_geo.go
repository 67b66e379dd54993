package resp

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/nadb-server/nadb-server/engine"
)

// The GEO commands, as Redis 7.0 answers them, over sorted sets whose
// scores are geohashes (geohash.go). A search scans the whole set and
// keeps the members inside the shape; Redis scans the cells around the
// centre instead, which finds the same members, but its order without
// ASC or DESC (and which members COUNT ... ANY keeps) follows its cells,
// where here it follows the scores.

func registerGeoCommands(t commandTable) {
	add := func(name string, arity int, flags cmdFlags, keys keySpec, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "geo", since: since, summary: summary, handler: h})
	}
	one := keySpec{1, 1, 1}
	ro := flagReadOnly
	add("geoadd", -5, flagWrite|flagDenyOOM, one, "3.2.0", "Adds one or more members to a geospatial index. The key is created if it doesn't exist.", cmdGeoAdd)
	add("geopos", -2, ro, one, "3.2.0", "Returns the longitude and latitude of members from a geospatial index.", cmdGeoPos)
	add("geodist", -4, ro, one, "3.2.0", "Returns the distance between two members of a geospatial index.", cmdGeoDist)
	add("geohash", -2, ro, one, "3.2.0", "Returns members from a geospatial index as geohash strings.", cmdGeoHash)
	add("geosearch", -7, ro, one, "6.2.0", "Queries a geospatial index for members inside an area of a box or a circle.", cmdGeoSearch)
	add("geosearchstore", -8, flagWrite|flagDenyOOM, keySpec{1, 2, 1}, "6.2.0", "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.", cmdGeoSearchStore)
	add("georadius", -6, flagWrite|flagDenyOOM|flagMovableKeys, one, "3.2.0", "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.", cmdGeoRadius)
	add("georadius_ro", -6, ro, one, "3.2.10", "Returns members from a geospatial index that are within a distance from a coordinate.", cmdGeoRadius)
	add("georadiusbymember", -5, flagWrite|flagDenyOOM|flagMovableKeys, one, "3.2.0", "Queries a geospatial index for members within a distance from a member, optionally stores the result.", cmdGeoRadiusByMember)
	add("georadiusbymember_ro", -5, ro, one, "3.2.10", "Returns members from a geospatial index that are within a distance from a member.", cmdGeoRadiusByMember)
}

const (
	errGeoUnit     = "ERR unsupported unit provided. please use M, KM, FT, MI"
	errGeoMember   = "ERR could not decode requested zset member"
	errGeoRadius   = "ERR need numeric radius"
	errGeoNegative = "ERR radius cannot be negative"
	errGeoWidth    = "ERR need numeric width"
	errGeoHeight   = "ERR need numeric height"
	errGeoBox      = "ERR height or width cannot be negative"
	errGeoCount    = "ERR COUNT must be > 0"
	errGeoAny      = "ERR the ANY argument requires COUNT argument"
)

func errGeoPair(lon, lat float64) string {
	return "ERR invalid longitude,latitude pair " + cFloat(lon, 'f', 6) + "," + cFloat(lat, 'f', 6)
}

// geoLonLat parses a longitude and a latitude, or writes the error.
func geoLonLat(c *client, lonArg, latArg []byte) (lon, lat float64, ok bool) {
	if lon, ok = engine.ParseFloat(lonArg); ok {
		lat, ok = engine.ParseFloat(latArg)
	}
	if !ok {
		c.conn.WriteError(errNotFloat)
		return 0, 0, false
	}
	if lon < geoLonMin || lon > geoLonMax || lat < geoLatMin || lat > geoLatMax {
		c.conn.WriteError(errGeoPair(lon, lat))
		return 0, 0, false
	}
	return lon, lat, true
}

// geoUnit is the unit's size in meters, or 0 after writing the error.
func geoUnit(c *client, b []byte) float64 {
	switch {
	case equalFold(b, "m"):
		return 1
	case equalFold(b, "km"):
		return 1000
	case equalFold(b, "ft"):
		return 0.3048
	case equalFold(b, "mi"):
		return 1609.34
	}
	c.conn.WriteError(errGeoUnit)
	return 0
}

// writeGeoCoord writes a coordinate as Redis's addReplyHumanLongDouble:
// 17 decimals, trailing zeros dropped.
func writeGeoCoord(c *client, f float64) {
	s := strconv.FormatFloat(f, 'f', 17, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	c.conn.WriteDoubleText(s)
}

// writeGeoDistance writes a distance with 4 decimals, as a bulk string.
func writeGeoDistance(c *client, d float64) {
	c.conn.WriteBulkString(strconv.FormatFloat(d, 'f', 4, 64))
}

func cmdGeoAdd(s *Server, c *client, args [][]byte) {
	var opt engine.ZAddOptions
	i := 2
	for ; i < len(args); i++ {
		switch {
		case equalFold(args[i], "nx"):
			opt.NX = true
		case equalFold(args[i], "xx"):
			opt.XX = true
		case equalFold(args[i], "ch"):
			opt.CH = true
		default:
			goto points
		}
	}
points:
	if (len(args)-i)%3 != 0 || (opt.NX && opt.XX) || i == len(args) {
		c.conn.WriteError(errSyntax)
		return
	}
	n := (len(args) - i) / 3
	scores := make([]float64, n)
	members := make([][]byte, n)
	for j := range n {
		a := args[i+3*j:]
		lon, lat, ok := geoLonLat(c, a[0], a[1])
		if !ok {
			return
		}
		scores[j], members[j] = geoScore(lon, lat), a[2]
	}
	added, _, _, err := c.eng.ZAdd(c.DB(), string(args[1]), opt, scores, members)
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteInt(added)
}

// geoScores returns the scores of members of key (nil: missing), or
// false after writing the error.
func geoScores(c *client, key []byte, members [][]byte) ([]float64, []bool, bool) {
	scores, found, err := c.eng.ZMScore(c.DB(), string(key), members)
	if err != nil {
		c.conn.WriteError(errorText(err))
		return nil, nil, false
	}
	return scores, found, true
}

// geoEachMember answers one reply per member named in args[2:] of the
// sorted set args[1]: missing (a missing key has no members) or found,
// with its score (GEOPOS, GEOHASH).
func geoEachMember(c *client, args [][]byte, missing func(), found func(score float64)) {
	scores, ok, valid := geoScores(c, args[1], args[2:])
	if !valid {
		return
	}
	c.conn.WriteArray(len(args) - 2)
	for j := range args[2:] {
		if ok == nil || !ok[j] {
			missing()
			continue
		}
		found(scores[j])
	}
}

func cmdGeoPos(s *Server, c *client, args [][]byte) {
	geoEachMember(c, args, c.conn.WriteNullArray, func(score float64) {
		lon, lat := geoDecode(score)
		c.conn.WriteArray(2)
		writeGeoCoord(c, lon)
		writeGeoCoord(c, lat)
	})
}

func cmdGeoHash(s *Server, c *client, args [][]byte) {
	geoEachMember(c, args, c.conn.WriteNull, func(score float64) {
		c.conn.WriteBulkString(geoHashString(score))
	})
}

func cmdGeoDist(s *Server, c *client, args [][]byte) {
	unit := 1.0
	switch {
	case len(args) == 5:
		if unit = geoUnit(c, args[4]); unit == 0 {
			return
		}
	case len(args) > 5:
		c.conn.WriteError(errSyntax)
		return
	}
	scores, found, ok := geoScores(c, args[1], args[2:4])
	if !ok {
		return
	}
	if found == nil || !found[0] || !found[1] {
		c.conn.WriteNull()
		return
	}
	lon1, lat1 := geoDecode(scores[0])
	lon2, lat2 := geoDecode(scores[1])
	writeGeoDistance(c, geoDistance(lon1, lat1, lon2, lat2)/unit)
}

// geoQuery is a parsed search: its centre and shape, the options and the
// destination of a store.
type geoQuery struct {
	lon, lat      float64
	fromMember    []byte // FROMMEMBER (or GEORADIUSBYMEMBER's member)
	hasCentre     bool
	radius        float64 // meters; < 0: a box
	width, height float64 // meters
	unit          float64
	byRadius      bool
	byBox         bool
	withDist      bool
	withHash      bool
	withCoord     bool
	any           bool
	count         int64
	sort          int // 0 none, 1 ASC, -1 DESC
	store         []byte
	storeEvent    string // the keyspace event of the store
	storeDist     bool
}

// Search kinds: what the fixed arguments hold.
const (
	geoByCoords    = iota // GEORADIUS key lon lat radius unit
	geoByMember           // GEORADIUSBYMEMBER key member radius unit
	geoSearch             // GEOSEARCH key ...
	geoSearchStore        // GEOSEARCHSTORE dst key ...
)

func cmdGeoRadius(s *Server, c *client, args [][]byte) {
	geoGeneric(c, args, geoByCoords, strings.HasSuffix(strings.ToLower(string(args[0])), "_ro"))
}
func cmdGeoRadiusByMember(s *Server, c *client, args [][]byte) {
	geoGeneric(c, args, geoByMember, strings.HasSuffix(strings.ToLower(string(args[0])), "_ro"))
}
func cmdGeoSearch(s *Server, c *client, args [][]byte) { geoGeneric(c, args, geoSearch, true) }
func cmdGeoSearchStore(s *Server, c *client, args [][]byte) {
	geoGeneric(c, args, geoSearchStore, false)
}

// geoGeneric parses and runs a search, as Redis's georadiusGeneric: the
// source is read and the centre found as the arguments are read, so the
// errors come in Redis's order.
func geoGeneric(c *client, args [][]byte, kind int, readonly bool) {
	src := args[1]
	if kind == geoSearchStore {
		src = args[2]
	}
	key := string(src)
	// The whole search, a store included, is one engine critical section.
	c.eng.Group(func(tx *engine.Engine) {
		geoRun(c, tx, args, kind, readonly, key)
	})
}

func geoRun(c *client, tx *engine.Engine, args [][]byte, kind int, readonly bool, key string) {
	typ, live := tx.LiveType(c.DB(), key)
	if !live {
		// Redis reads the key once: a missing one is a miss (and a
		// "keymiss" event); a live one's hit is counted by the reads
		// below.
		tx.ReadType(c.DB(), key)
	}
	if live && typ != engine.TypeZSet {
		c.conn.WriteError(errWrongType)
		return
	}
	memberPoint := func(m []byte) (float64, float64, bool) {
		sc, found, _ := tx.ZMScore(c.DB(), key, [][]byte{m})
		if found == nil || !found[0] {
			c.conn.WriteError(errGeoMember)
			return 0, 0, false
		}
		lon, lat := geoDecode(sc[0])
		return lon, lat, true
	}
	q := geoQuery{unit: 1}
	base := 0
	switch kind {
	case geoByCoords:
		base = 6
		lon, lat, ok := geoLonLat(c, args[2], args[3])
		if !ok || !geoRadiusArg(c, &q, args[4], args[5]) {
			return
		}
		q.lon, q.lat, q.hasCentre, q.byRadius = lon, lat, true, true
	case geoByMember:
		base = 5
		if live {
			lon, lat, ok := memberPoint(args[2])
			if !ok || !geoRadiusArg(c, &q, args[3], args[4]) {
				return
			}
			q.lon, q.lat, q.hasCentre, q.byRadius = lon, lat, true, true
		}
	case geoSearch:
		base = 2
	case geoSearchStore:
		base = 3
		q.store, q.storeEvent = args[1], "geosearchstore"
	}
	search := kind == geoSearch || kind == geoSearchStore
	rest := args[base:]
	fromMember, fromLoc := false, false
	for i := 0; i < len(rest); i++ {
		a, left := rest[i], len(rest)-i-1
		switch {
		case equalFold(a, "withdist"):
			q.withDist = true
		case equalFold(a, "withhash"):
			q.withHash = true
		case equalFold(a, "withcoord"):
			q.withCoord = true
		case equalFold(a, "any"):
			q.any = true
		case equalFold(a, "asc"):
			q.sort = 1
		case equalFold(a, "desc"):
			q.sort = -1
		case equalFold(a, "count") && left >= 1:
			n, ok := parseInt(rest[i+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if n <= 0 {
				c.conn.WriteError(errGeoCount)
				return
			}
			q.count = n
			i++
		case (equalFold(a, "store") || equalFold(a, "storedist")) && left >= 1 && !readonly && !search:
			q.store, q.storeDist, q.storeEvent = rest[i+1], len(a) == 9, "georadiusstore"
			i++
		case equalFold(a, "storedist") && kind == geoSearchStore:
			q.storeDist = true
		case equalFold(a, "frommember") && left >= 1 && search && !fromLoc:
			fromMember = true
			if live {
				lon, lat, ok := memberPoint(rest[i+1])
				if !ok {
					return
				}
				q.lon, q.lat = lon, lat
			}
			i++
		case equalFold(a, "fromlonlat") && left >= 2 && search && !fromMember:
			lon, lat, ok := geoLonLat(c, rest[i+1], rest[i+2])
			if !ok {
				return
			}
			q.lon, q.lat, fromLoc = lon, lat, true
			i += 2
		case equalFold(a, "byradius") && left >= 2 && search && !q.byBox:
			if !geoRadiusArg(c, &q, rest[i+1], rest[i+2]) {
				return
			}
			q.byRadius = true
			i += 2
		case equalFold(a, "bybox") && left >= 3 && search && !q.byRadius:
			w, ok := engine.ParseFloat(rest[i+1])
			if !ok {
				c.conn.WriteError(errGeoWidth)
				return
			}
			h, ok := engine.ParseFloat(rest[i+2])
			if !ok {
				c.conn.WriteError(errGeoHeight)
				return
			}
			if w < 0 || h < 0 {
				c.conn.WriteError(errGeoBox)
				return
			}
			if q.unit = geoUnit(c, rest[i+3]); q.unit == 0 {
				return
			}
			q.width, q.height, q.byBox = w, h, true
			i += 3
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	if q.store != nil && (q.withDist || q.withHash || q.withCoord) {
		what := "STORE option in GEORADIUS"
		if kind == geoSearchStore {
			what = "GEOSEARCHSTORE"
		}
		c.conn.WriteError("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		return
	}
	name := strings.ToLower(string(args[0]))
	if search && !fromMember && !fromLoc {
		c.conn.WriteError("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + name)
		return
	}
	if search && !q.byRadius && !q.byBox {
		c.conn.WriteError("ERR exactly one of BYRADIUS and BYBOX can be specified for " + name)
		return
	}
	if q.any && q.count == 0 {
		c.conn.WriteError(errGeoAny)
		return
	}
	if !live {
		if q.store != nil {
			tx.Del(c.DB(), []string{string(q.store)})
			c.conn.WriteInt(0)
			return
		}
		c.conn.WriteArray(0)
		return
	}
	if q.count != 0 && q.sort == 0 && !q.any {
		q.sort = 1
	}
	found := geoMatches(tx, c.DB(), key, &q)
	n := len(found)
	if q.count != 0 && int64(n) > q.count {
		n = int(q.count)
	}
	found = found[:n]
	if q.store != nil {
		ms := make([]engine.ZMember, len(found))
		for i, p := range found {
			ms[i] = engine.ZMember{Member: p.member, Score: p.score}
			if q.storeDist {
				ms[i].Score = p.dist / q.unit
			}
		}
		c.conn.WriteInt(tx.ZStore(c.DB(), string(q.store), ms, q.storeEvent))
		return
	}
	opts := 0
	for _, on := range []bool{q.withDist, q.withHash, q.withCoord} {
		if on {
			opts++
		}
	}
	c.conn.WriteArray(len(found))
	for _, p := range found {
		if opts > 0 {
			c.conn.WriteArray(opts + 1)
		}
		c.conn.WriteBulkString(p.member)
		if q.withDist {
			writeGeoDistance(c, p.dist/q.unit)
		}
		if q.withHash {
			c.conn.WriteInt64(int64(p.score))
		}
		if q.withCoord {
			c.conn.WriteArray(2)
			writeGeoCoord(c, p.lon)
			writeGeoCoord(c, p.lat)
		}
	}
}

// geoRadiusArg parses a radius and its unit, or writes the error.
func geoRadiusArg(c *client, q *geoQuery, r, unit []byte) bool {
	v, ok := engine.ParseFloat(r)
	if !ok {
		c.conn.WriteError(errGeoRadius)
		return false
	}
	if v < 0 {
		c.conn.WriteError(errGeoNegative)
		return false
	}
	if q.unit = geoUnit(c, unit); q.unit == 0 {
		return false
	}
	q.radius = v
	return true
}

// geoPoint is a member found by a search.
type geoPoint struct {
	member   string
	score    float64
	lon, lat float64
	dist     float64 // meters from the centre
}

// geoMatches returns the members of key inside q's shape, sorted as q
// says (COUNT ... ANY: the first count found). As Redis, it reads the
// members whose geohash falls in the cell of the centre and in its
// neighbours (geoSearchCells), each cell a range of scores, in that
// order, and keeps those in the shape: O(log n + m), and the same members
// in the same order as Redis (which can miss some in range near the poles
// and the antimeridian, as here).
func geoMatches(tx *engine.Engine, d int, key string, q *geoQuery) []geoPoint {
	radius, width, height := q.radius*q.unit, 0.0, 0.0
	if q.byBox {
		width, height = q.width*q.unit, q.height*q.unit
	}
	cells := geoSearchCells(q.lon, q.lat, radius, q.byBox, width, height)
	var specs []engine.ZRangeSpec
	last := -1
	for i, cell := range cells {
		if cell == (geoCell{}) || (last >= 0 && cell == cells[last]) {
			continue // unreachable, or the same as the cell before (a huge radius)
		}
		last = i
		lo, hi := cell.scoreRange()
		specs = append(specs, engine.ZRangeSpec{By: engine.ZByScore, Count: -1,
			Score: engine.ScoreRange{Min: float64(lo), Max: float64(hi), MaxEx: true}})
	}
	ranges, _ := tx.ZRanges(d, key, specs)
	var out []geoPoint
	for _, ms := range ranges {
		if q.any && int64(len(out)) >= q.count {
			break
		}
		for _, m := range ms {
			lon, lat := geoDecode(m.Score)
			var dist float64
			if q.byBox {
				var in bool
				if dist, in = geoInBox(width, height, q.lon, q.lat, lon, lat); !in {
					continue
				}
			} else if dist = geoDistance(q.lon, q.lat, lon, lat); dist > radius {
				continue
			}
			out = append(out, geoPoint{member: m.Member, score: m.Score, lon: lon, lat: lat, dist: dist})
			if q.any && int64(len(out)) >= q.count {
				break
			}
		}
	}
	if q.sort != 0 {
		slices.SortStableFunc(out, func(a, b geoPoint) int { return q.sort * cmp.Compare(a.dist, b.dist) })
	}
	return out
}
