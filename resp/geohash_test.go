package resp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGeohashRoundTrip: interleaving is undone by deinterleaving, and a
// point read back from its score is the centre of a cell that holds it
// (26 bits a coordinate: within 180/2^26 degrees of longitude).
func TestGeohashRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		x, y := rng.Uint32(), rng.Uint32()
		gx, gy := deinterleave(interleave(x, y))
		require.Equal(t, [2]uint32{x, y}, [2]uint32{gx, gy})

		lon := geoLonMin + rng.Float64()*(geoLonMax-geoLonMin)
		lat := geoLatMin + rng.Float64()*(geoLatMax-geoLatMin)
		dlon, dlat := geoDecode(geoScore(lon, lat))
		require.InDelta(t, lon, dlon, 360.0/(1<<geoStep), "lon %v lat %v", lon, lat)
		require.InDelta(t, lat, dlat, (geoLatMax-geoLatMin)/(1<<geoStep), "lon %v lat %v", lon, lat)
	}
	require.Less(t, geoScore(179.9999, 85.05), float64(uint64(1)<<52), "52 bits")
	// The very corner overflows the 26 bits of each coordinate, as in
	// Redis (whose GEOADD stores this same score for it).
	require.Equal(t, float64(3<<52), geoScore(geoLonMax, geoLatMax))
	require.Equal(t, 0.0, geoDistance(10, 20, 10, 20))
	require.InDelta(t, math.Pi*earthRadius, geoDistance(0, 0, 180, 0), 1e-6, "half the equator")
}
