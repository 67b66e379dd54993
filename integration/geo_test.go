package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestGeoReplies holds for redis-server too: GEOADD (NX, XX, CH), GEOPOS,
// GEODIST in every unit, GEOHASH, and the searches (GEORADIUS,
// GEORADIUSBYMEMBER and their _RO forms, GEOSEARCH, GEOSEARCHSTORE) by
// radius and by box, with their options, STORE and STOREDIST, and their
// errors in Redis's order, byte for byte. The searches are sorted (ASC,
// DESC, or COUNT, which sorts): without, Redis's order follows its cells.
// A STOREDIST result is checked by member only: its scores are distances,
// whose last bits depend on the C library's trigonometry.
func TestGeoReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"FLUSHALL"}, "+OK\r\n"},
		{[]string{"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}, ":2\r\n"},
		{[]string{"GEOADD", "Sicily", "NX", "CH", "13.583333", "37.316667", "Agrigento", "12.758489", "38.788135", "edge1", "13.5", "38.0", "mid"}, ":3\r\n"},
		{[]string{"GEOADD", "Sicily", "XX", "NX", "1", "1", "x"}, "-ERR syntax error\r\n"},
		{[]string{"GEOADD", "Sicily", "1", "1"}, "-ERR wrong number of arguments for 'geoadd' command\r\n"},
		{[]string{"GEOADD", "Sicily", "181", "10", "bad"}, "-ERR invalid longitude,latitude pair 181.000000,10.000000\r\n"},
		{[]string{"GEOADD", "Sicily", "a", "10", "bad"}, "-ERR value is not a valid float\r\n"},
		{[]string{"GEOADD", "Sicily", "10", "85.06", "bad"}, "-ERR invalid longitude,latitude pair 10.000000,85.060000\r\n"},
		{[]string{"GEOPOS", "Sicily", "Palermo", "Catania", "NonExisting"}, "*3\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*-1\r\n"},
		{[]string{"GEOPOS", "nokey", "a"}, "*1\r\n*-1\r\n"},
		{[]string{"GEODIST", "Sicily", "Palermo", "Catania"}, "$11\r\n166274.1516\r\n"},
		{[]string{"GEODIST", "Sicily", "Palermo", "Catania", "km"}, "$8\r\n166.2742\r\n"},
		{[]string{"GEODIST", "Sicily", "Palermo", "Catania", "mi"}, "$8\r\n103.3182\r\n"},
		{[]string{"GEODIST", "Sicily", "Palermo", "Catania", "ft"}, "$11\r\n545518.8700\r\n"},
		{[]string{"GEODIST", "Sicily", "Palermo", "Catania", "parsec"}, "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
		{[]string{"GEODIST", "Sicily", "Palermo", "Foo"}, "$-1\r\n"},
		{[]string{"GEODIST", "Sicily", "Palermo", "Catania", "km", "x"}, "-ERR syntax error\r\n"},
		{[]string{"GEOHASH", "Sicily", "Palermo", "Catania", "Foo"}, "*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC"}, "*4\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n*2\r\n$3\r\nmid\r\n$8\r\n172.8860\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHCOORD", "WITHDIST", "WITHHASH", "DESC"}, "*4\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*4\r\n$3\r\nmid\r\n$8\r\n172.8860\r\n:3479097324432493\r\n*2\r\n$20\r\n13.50000053644180298\r\n$19\r\n38.0000009925631943\r\n*4\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n:3479030013248308\r\n*2\r\n$19\r\n13.5833314061164856\r\n$20\r\n37.31666804993816555\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "100", "km", "ASC"}, "*1\r\n$7\r\nCatania\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "2"}, "*2\r\n$7\r\nCatania\r\n$9\r\nAgrigento\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "-1", "km"}, "-ERR radius cannot be negative\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "x", "km"}, "-ERR need numeric radius\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "10", "parsec"}, "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "0"}, "-ERR COUNT must be > 0\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY"}, "-ERR the ANY argument requires COUNT argument\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst", "WITHDIST"}, "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"}, ":4\r\n"},
		{[]string{"ZRANGE", "dst", "0", "-1", "WITHSCORES"}, "*8\r\n$9\r\nAgrigento\r\n$16\r\n3479030013248308\r\n$3\r\nmid\r\n$16\r\n3479097324432493\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "dst2"}, ":4\r\n"},
		{[]string{"ZRANGE", "dst2", "0", "-1"}, "*4\r\n$7\r\nCatania\r\n$9\r\nAgrigento\r\n$3\r\nmid\r\n$7\r\nPalermo\r\n"},
		{[]string{"GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "dst"}, "-ERR syntax error\r\n"},
		{[]string{"GEORADIUSBYMEMBER", "Sicily", "Agrigento", "100", "km", "ASC", "WITHDIST"}, "*3\r\n*2\r\n$9\r\nAgrigento\r\n$6\r\n0.0000\r\n*2\r\n$3\r\nmid\r\n$7\r\n76.3580\r\n*2\r\n$7\r\nPalermo\r\n$7\r\n90.9778\r\n"},
		{[]string{"GEORADIUSBYMEMBER", "Sicily", "Nope", "100", "km"}, "-ERR could not decode requested zset member\r\n"},
		{[]string{"GEORADIUSBYMEMBER", "nokey", "Nope", "100", "km"}, "*0\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHDIST"}, "*4\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n*2\r\n$3\r\nmid\r\n$8\r\n172.8860\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km", "ASC", "WITHCOORD", "WITHDIST"}, "*5\r\n*3\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*3\r\n$3\r\nmid\r\n$7\r\n17.6793\r\n*2\r\n$20\r\n13.50000053644180298\r\n$19\r\n38.0000009925631943\r\n*3\r\n$9\r\nAgrigento\r\n$7\r\n90.9778\r\n*2\r\n$19\r\n13.5833314061164856\r\n$20\r\n37.31666804993816555\r\n*3\r\n$5\r\nedge1\r\n$7\r\n91.4007\r\n*2\r\n$19\r\n12.7584877610206604\r\n$20\r\n38.78813451624225195\r\n*3\r\n$7\r\nCatania\r\n$8\r\n166.2742\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "100", "400", "km", "DESC"}, "*3\r\n$9\r\nAgrigento\r\n$3\r\nmid\r\n$7\r\nPalermo\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "10", "km"}, "*1\r\n$7\r\nPalermo\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "BYRADIUS", "10", "km", "ASC"}, "-ERR wrong number of arguments for 'geosearch' command\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "ASC"}, "-ERR wrong number of arguments for 'geosearch' command\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "10", "km", "BYBOX", "1", "1", "km"}, "-ERR syntax error\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "15", "37", "BYRADIUS", "10", "km"}, "-ERR syntax error\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMMEMBER", "Nope", "BYRADIUS", "10", "km"}, "-ERR could not decode requested zset member\r\n"},
		{[]string{"GEOSEARCH", "nokey", "FROMMEMBER", "Nope", "BYRADIUS", "10", "km"}, "*0\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "-1", "1", "km"}, "-ERR height or width cannot be negative\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "x", "1", "km"}, "-ERR need numeric width\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "x", "km"}, "-ERR need numeric height\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STORE", "x"}, "-ERR syntax error\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "1", "ANY", "WITHDIST"}, "*1\r\n*2\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n"},
		{[]string{"GEOSEARCHSTORE", "dst3", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "COUNT", "2"}, ":2\r\n"},
		{[]string{"ZRANGE", "dst3", "0", "-1", "WITHSCORES"}, "*4\r\n$9\r\nAgrigento\r\n$16\r\n3479030013248308\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n"},
		{[]string{"GEOSEARCHSTORE", "dst3", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"}, ":4\r\n"},
		{[]string{"ZRANGE", "dst3", "0", "-1"}, "*4\r\n$7\r\nCatania\r\n$9\r\nAgrigento\r\n$3\r\nmid\r\n$7\r\nPalermo\r\n"},
		{[]string{"GEOSEARCHSTORE", "dst3", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHDIST"}, "-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"},
		{[]string{"GEOSEARCHSTORE", "dst3", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"}, ":0\r\n"},
		{[]string{"EXISTS", "dst3"}, ":0\r\n"},
		{[]string{"GEOSEARCHSTORE", "dst3", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"}, ":0\r\n"},
		{[]string{"SET", "str", "x"}, "+OK\r\n"},
		{[]string{"GEOPOS", "str", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"GEOSEARCH", "str", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"GEOADD", "edges", "-180", "-85.05112878", "sw", "180", "85.05112878", "ne"}, ":2\r\n"},
		{[]string{"GEOPOS", "edges", "sw", "ne"}, "*2\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$3\r\n180\r\n$19\r\n85.0511287799999991\r\n"},
		{[]string{"GEOHASH", "edges", "sw", "ne"}, "*2\r\n$11\r\n00bh0hbj200\r\n$11\r\nbp05b5048p0\r\n"},
		{[]string{"GEOADD", "world", "0", "0", "origin", "-0.0001", "0.0001", "nearorigin", "139.6917", "35.6895", "tokyo", "-74.006", "40.7128", "nyc", "151.2093", "-33.8688", "sydney", "-58.3816", "-34.6037", "baires"}, ":6\r\n"},
		{[]string{"GEOPOS", "world", "origin", "nearorigin", "tokyo", "nyc", "sydney", "baires"}, "*6\r\n*2\r\n$19\r\n0.00000268220901489\r\n$19\r\n0.00000126736058093\r\n*2\r\n$20\r\n-0.00009924173355103\r\n$19\r\n0.00010012148579364\r\n*2\r\n$21\r\n139.69170123338699341\r\n$20\r\n35.68950126697937009\r\n*2\r\n$20\r\n-74.0060010552406311\r\n$20\r\n40.71279898695150479\r\n*2\r\n$21\r\n151.20929986238479614\r\n$21\r\n-33.86880091934155956\r\n*2\r\n$21\r\n-58.38160246610641479\r\n$21\r\n-34.60370022923218158\r\n"},
		{[]string{"GEOHASH", "world", "origin", "nearorigin", "tokyo", "nyc", "sydney", "baires"}, "*6\r\n$11\r\ns0000000000\r\n$11\r\nebpbpbpbtd0\r\n$11\r\nxn774c06kt0\r\n$11\r\ndr5regw3pp0\r\n$11\r\nr3gx2f77bj0\r\n$11\r\n69y7pkxff40\r\n"},
		{[]string{"GEODIST", "world", "tokyo", "nyc", "km"}, "$10\r\n10851.8688\r\n"},
		{[]string{"GEODIST", "world", "origin", "nearorigin"}, "$7\r\n15.7928\r\n"},
		{[]string{"GEODIST", "world", "sydney", "baires", "mi"}, "$9\r\n7334.9296\r\n"},
		{[]string{"GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "15000", "km", "ASC", "WITHDIST", "WITHHASH"}, "*5\r\n*3\r\n$6\r\norigin\r\n$6\r\n0.0003\r\n:3377699720527872\r\n*3\r\n$10\r\nnearorigin\r\n$6\r\n0.0157\r\n:1876499844738231\r\n*3\r\n$6\r\nbaires\r\n$9\r\n7166.9871\r\n:887133777343301\r\n*3\r\n$3\r\nnyc\r\n$9\r\n8669.5136\r\n:1791873974549446\r\n*3\r\n$5\r\ntokyo\r\n$10\r\n14266.8984\r\n:4171231230197045\r\n"},
		{[]string{"GEOSEARCH", "world", "FROMMEMBER", "sydney", "BYBOX", "30000", "10000", "km", "DESC", "WITHDIST"}, "*2\r\n*2\r\n$6\r\nbaires\r\n$10\r\n11804.3956\r\n*2\r\n$6\r\nsydney\r\n$6\r\n0.0000\r\n"},
		{[]string{"GEORADIUS", "world", "0", "0", "0", "m", "WITHDIST"}, "*0\r\n"},
		{[]string{"GEORADIUS", "world", "0", "0", "5", "km", "WITHCOORD", "ASC"}, "*2\r\n*2\r\n$6\r\norigin\r\n*2\r\n$19\r\n0.00000268220901489\r\n$19\r\n0.00000126736058093\r\n*2\r\n$10\r\nnearorigin\r\n*2\r\n$20\r\n-0.00009924173355103\r\n$19\r\n0.00010012148579364\r\n"},
	})
}

// TestGeoReplicates: a GEOSEARCHSTORE on a primary leaves the same sorted
// set on its secondary, and the secondary answers GEOSEARCH as the primary
// does; GEORADIUS on the secondary is refused as the write it may be,
// GEORADIUS_RO answers.
func TestGeoReplicates(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p, s := startLinkedPair(t)
	require.NoError(t, p.rdb.Do(ctx, "GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania").Err())
	require.Equal(t, int64(2), p.rdb.Do(ctx, "GEOSEARCHSTORE", "near", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST").Val())
	requireConverged(t, p, s)
	search := []any{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km", "ASC", "WITHDIST", "WITHCOORD"}
	require.Equal(t, p.rdb.Do(ctx, search...).Val(), s.rdb.Do(ctx, search...).Val())
	require.Equal(t, p.rdb.ZRangeWithScores(ctx, "near", 0, -1).Val(), s.rdb.ZRangeWithScores(ctx, "near", 0, -1).Val())
	requireRedisErr(t, s.rdb.Do(ctx, "GEORADIUS", "g", "15", "37", "200", "km").Err(), errReadOnlyReplica)
	require.Len(t, s.rdb.Do(ctx, "GEORADIUS_RO", "g", "15", "37", "200", "km").Val(), 2)
}

// TestGeoScoresNotGeohashes: members whose scores are no geohash (set by
// ZADD: infinite, negative, 2^52 or more) are in no search's cells and
// decode as Redis's cast makes them, byte for byte as redis-server 7.0
// answers (run with NADB_TEST_TARGET=redis-server to see it still does).
func TestGeoScoresNotGeohashes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"ZADD", "g", "inf", "d", "-1", "e", "5e15", "f", "1e30", "h", "-inf", "i", "0.5", "j"}, ":6\r\n"},
		{[]string{"GEOSEARCH", "g", "FROMLONLAT", "15", "0", "BYBOX", "20000", "20000", "km", "ASC", "WITHHASH"}, "*1\r\n*2\r\n$1\r\nj\r\n:0\r\n"},
		{[]string{"GEOPOS", "g", "d", "e", "f", "h", "i", "j"}, "*6\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$3\r\n180\r\n$19\r\n85.0511287799999991\r\n*2\r\n$22\r\n-127.13859289884567261\r\n$19\r\n85.0511287799999991\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$3\r\n180\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n"},
		{[]string{"GEODIST", "g", "d", "e"}, "$13\r\n18919844.5891\r\n"},
		{[]string{"GEOHASH", "g", "d", "e", "f", "h"}, "*4\r\n$11\r\n00bh0hbj200\r\n$11\r\nbp05b5048p0\r\n$11\r\ncpjefghd8p0\r\n$11\r\n00bh0hbj200\r\n"},
		{[]string{"GEORADIUS", "g", "0", "0", "20000", "km"}, "*1\r\n$1\r\nj\r\n"},
	})
}

// TestGeoSearchMatchesRedis: random searches (by radius and by box, from
// a point or a member, with COUNT, ANY, ASC and DESC or none) over points
// all over the world, near the poles and the antimeridian too, answer as
// a real redis-server does, the order of an unsorted search included:
// both walk the same geohash cells in the same order.
func TestGeoSearchMatchesRedis(t *testing.T) {
	t.Parallel()
	ours, ref := startServer(t).Client(), startReference(t).Client()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 11))
	point := func() (float64, float64) {
		var lon, lat float64
		switch k := r.Float64(); {
		case k < 0.2:
			lon, lat = -180+360*r.Float64(), -85+170*r.Float64()
		case k < 0.4: // by the antimeridian
			lon, lat = []float64{-179.99, 179.99}[r.IntN(2)]+0.01*(r.Float64()-0.5), -60+120*r.Float64()
		case k < 0.6: // towards the poles
			lon, lat = -180+360*r.Float64(), []float64{84.9, -84.9, 70, -70, 81, -81}[r.IntN(6)]+0.2*(r.Float64()-0.5)
		default: // a city
			lon, lat = 13.36+2*(r.Float64()-0.5), 38.11+2*(r.Float64()-0.5)
		}
		return min(max(lon, -180), 180), min(max(lat, -85.05112878), 85.05112878)
	}
	add := []any{"GEOADD", "g"}
	for i := range 400 {
		lon, lat := point()
		add = append(add, fmt.Sprintf("%.6f", lon), fmt.Sprintf("%.6f", lat), fmt.Sprintf("m%d", i))
	}
	for _, c := range []*redis.Client{ours, ref} {
		require.NoError(t, c.Do(ctx, add...).Err())
	}
	for range 300 {
		lon, lat := point()
		unit := []string{"m", "km", "mi", "ft"}[r.IntN(4)]
		meters := []float64{500, 50_000, 3_000_000, 20_000_000}[r.IntN(4)] * r.Float64()
		dist := map[string]float64{"m": meters, "km": meters / 1000, "mi": meters / 1609.34, "ft": meters * 3.28}[unit]
		var opts []any
		if r.IntN(10) < 3 {
			opts = append(opts, "COUNT", 1+r.IntN(20))
			if r.IntN(2) == 0 {
				opts = append(opts, "ANY")
			}
		}
		if r.IntN(10) < 3 {
			opts = append(opts, []string{"ASC", "DESC"}[r.IntN(2)])
		}
		ll := []any{fmt.Sprintf("%.6f", lon), fmt.Sprintf("%.6f", lat)}
		var cmd []any
		switch k := r.IntN(20); {
		case k < 8:
			cmd = append(append([]any{"GEOSEARCH", "g", "FROMLONLAT"}, ll...), "BYRADIUS", fmt.Sprintf("%.4f", dist), unit)
		case k < 14:
			w, h := dist*(0.2+1.8*r.Float64()), dist*(0.2+1.8*r.Float64())
			cmd = append(append([]any{"GEOSEARCH", "g", "FROMLONLAT"}, ll...), "BYBOX", fmt.Sprintf("%.4f", w), fmt.Sprintf("%.4f", h), unit)
		case k < 17:
			cmd = append(append([]any{"GEORADIUS", "g"}, ll...), fmt.Sprintf("%.4f", dist), unit)
		default:
			cmd = []any{"GEORADIUSBYMEMBER", "g", fmt.Sprintf("m%d", r.IntN(400)), fmt.Sprintf("%.4f", dist), unit}
		}
		cmd = append(cmd, opts...)
		want, err := ref.Do(ctx, cmd...).Result()
		require.NoError(t, err, "%v", cmd)
		got, err := ours.Do(ctx, cmd...).Result()
		require.NoError(t, err, "%v", cmd)
		require.Equal(t, want, got, "%v", cmd)
	}
}

// TestGeoBoxEdges: a box search of zero width or height still reaches as
// far as its other side says, as in Redis (it missed almost everything),
// byte for byte (run with NADB_TEST_TARGET=redis-server to see it still
// does).
func TestGeoBoxEdges(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"GEOADD", "g", "13.361389", "38.115556", "a", "13.361389", "37.5", "b", "14.2", "38.115556", "c"}, ":3\r\n"},
		{[]string{"GEOSEARCH", "g", "FROMMEMBER", "a", "BYBOX", "0", "200", "km", "ASC"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{[]string{"GEOSEARCH", "g", "FROMMEMBER", "a", "BYBOX", "200", "0", "km", "ASC"}, "*2\r\n$1\r\na\r\n$1\r\nc\r\n"},
		{[]string{"GEOSEARCH", "g", "FROMMEMBER", "a", "BYBOX", "0", "0", "km", "ASC"}, "*1\r\n$1\r\na\r\n"},
		{[]string{"GEOSEARCH", "g", "FROMLONLAT", "13.361389", "38.115556", "BYBOX", "0", "100000", "m"}, "*0\r\n"},
	})
}
