package testutil_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
	"github.com/tunnelcodec/tunnelcodec/vxlan"
)

// fakeTB records what a helper reports instead of failing the real test.
type fakeTB struct {
	testing.TB
	errors, fatals, skips []string
}

type stop struct{}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, a ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, a...))
}
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.fatals = append(f.fatals, fmt.Sprintf(format, a...))
	panic(stop{})
}
func (f *fakeTB) Skipf(format string, a ...any) {
	f.skips = append(f.skips, fmt.Sprintf(format, a...))
	panic(stop{})
}
func (f *fakeTB) Skip(a ...any) { f.Skipf("%s", fmt.Sprint(a...)) }

func call(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stop); !ok {
				panic(r)
			}
		}
	}()
	fn()
}

func TestParseTsharkJSONKeepsRepeatedLayersInOrder(t *testing.T) {
	// Zeek's triple-nested VXLAN: tshark gives three vxlan objects.
	f := testutil.LoadTsharkJSON(t, testutil.Testdata(t, "vectors", "vxlan", "zeek-vxlan-triple-v2.tshark.json"))
	require.Len(t, f, 1)
	require.Equal(t, []string{"1", "2", "3"}, f[0]["vxlan.vni"])
	require.Equal(t, []string{"0x0c00", "0x0c00", "0x0c00"}, f[0]["vxlan.flags"])
	require.Len(t, f[0]["ip.src"], 4, "outer and three inner IPv4 headers")
}

func TestParseTsharkJSONRejectsGarbage(t *testing.T) {
	_, err := testutil.ParseTsharkJSON([]byte("{not json"))
	require.Error(t, err)
}

func TestWarningsFindsBadChecksumAndMalformed(t *testing.T) {
	// Zeek's capture has an inner TCP checksum of 0xdead: tshark flags it.
	f := testutil.RunTshark(t, testutil.Vectors(t, "vxlan", "zeek-vxlan-inner-tcp-bad-checksum.pcap"),
		"-o", "tcp.check_checksum:TRUE")
	w := testutil.Warnings(f[0])
	require.Len(t, w, 1)
	require.Contains(t, w[0], "Bad checksum")

	// A UDP header cut short is malformed.
	short := testutil.TsharkPackets(t, layers.LinkTypeEthernet, [][]byte{{
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 24, 0, 0, 0, 0, 64, 17, 0xf4, 0xd1, 192, 0, 2, 1, 192, 0, 2, 2,
		0x12, 0xb5, 0x12}})
	require.NotEmpty(t, testutil.Warnings(short[0]))
	// A clean kernel frame has none.
	clean := testutil.RunTshark(t, testutil.Testdata(t, "vxlan", "kernel-gbp.pcap"))
	for i, fr := range clean {
		require.Empty(t, testutil.Warnings(fr), "frame %d", i+1)
	}
}

func TestCompareFieldsReportsFrameFieldOursAndTheirs(t *testing.T) {
	ft := &fakeTB{TB: t}
	ours := testutil.Fields{"vxlan.vni": {"100"}, "vxlan.gbp": {"0"}}
	theirs := testutil.Fields{"vxlan.vni": {"101"}, "vxlan.gbp": {"0"}}
	n := testutil.CompareFields(ft, "x.pcap frame 3", ours, theirs)
	require.Equal(t, 1, n)
	require.Equal(t, []string{`x.pcap frame 3: field vxlan.vni: ours ["100"], tshark ["101"]`}, ft.errors)
}

func TestRoundTripCatchesAnEncoderThatDiffers(t *testing.T) {
	var v vxlan.VXLAN
	data := []byte{0x08, 0, 0, 0, 0, 0, 1, 0, 0xaa}
	require.NoError(t, v.DecodeFromBytes(data, gopacket.NilDecodeFeedback))
	require.NoError(t, testutil.RoundTripLayer(&v))
	v.VNI = 2 // the value no longer matches the bytes it came from
	err := testutil.RoundTripLayer(&v)
	require.Error(t, err)
	require.Contains(t, err.Error(), "AppendBinary gives")
}

func TestVectorsSkipsOrFailsWhenAbsent(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	t.Setenv(testutil.VectorsEnv, missing)

	t.Setenv("CI", "")
	ft := &fakeTB{TB: t}
	call(func() { testutil.Vectors(ft, "vxlan") })
	require.Len(t, ft.skips, 1)
	require.Contains(t, ft.skips[0], missing, "the skip names the path")

	t.Setenv("CI", "true")
	ft = &fakeTB{TB: t}
	call(func() { testutil.Vectors(ft, "vxlan") })
	require.Empty(t, ft.skips)
	require.Len(t, ft.fatals, 1, "under CI a missing vectors directory fails")
}

func TestTsharkPathFailsUnderCIWhenMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "true")
	ft := &fakeTB{TB: t}
	call(func() { testutil.TsharkPath(ft) })
	require.Len(t, ft.fatals, 1)
	t.Setenv("CI", "")
	ft = &fakeTB{TB: t}
	call(func() { testutil.TsharkPath(ft) })
	require.Len(t, ft.skips, 1)
}

func TestReadCaptureErrorsNameTheFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.pcap")
	require.NoError(t, os.WriteFile(bad, []byte("this is not a capture"), 0o644))
	ft := &fakeTB{TB: t}
	call(func() { testutil.ReadCapture(ft, bad) })
	require.Len(t, ft.fatals, 1)
	require.True(t, strings.Contains(ft.fatals[0], bad), ft.fatals[0])
}

func TestCheckReportsMissingErrorsAndFieldMismatches(t *testing.T) {
	vxlan.Register()
	path := testutil.Testdata(t, "vxlan", "kernel-gbp.pcap")

	ft := &fakeTB{TB: t}
	res := testutil.Check(ft, testutil.Capture{Path: path, Errors: map[int]error{1: vxlan.ErrTruncated}})
	require.Equal(t, 14, res.Frames)
	require.Equal(t, 14, res.OurLayers)
	require.Len(t, ft.errors, 1)
	require.Contains(t, ft.errors[0], "kernel-gbp.pcap frame 1: want a decode error wrapping")

	ft = &fakeTB{TB: t}
	wrongVNI := func(p gopacket.Packet) testutil.Fields {
		return testutil.Fields{"vxlan.vni": {"301"}}
	}
	testutil.Check(ft, testutil.Capture{Path: path, Fields: wrongVNI, Differs: map[int]string{2: "known"}})
	require.Len(t, ft.errors, 13, "every frame but the one listed in Differs")
	require.Contains(t, ft.errors[0], `frame 1: field vxlan.vni: ours ["301"], tshark ["300"]`)
}

func TestCheckCountsLayersAgainstTshark(t *testing.T) {
	vxlan.Register()
	ft := &fakeTB{TB: t}
	// Counting a field tshark has once per frame against a layer type we
	// never decode must fail on every frame.
	testutil.Check(ft, testutil.Capture{Path: testutil.Testdata(t, "vxlan", "kernel-gbp.pcap"),
		Layer: gopacket.LayerTypePayload + 1000, CountField: "vxlan.vni"})
	require.Len(t, ft.errors, 14)
	require.Contains(t, ft.errors[0], "we decoded 0")
	require.Contains(t, ft.errors[0], "tshark has 1 vxlan.vni")
}
