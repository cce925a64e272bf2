package testutil

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/tunnelcodec/tunnelcodec/internal/capture"
)

// Packet is one frame of a capture.
type Packet = capture.Packet

// ReadCapture reads every packet of a pcap or pcapng file.
func ReadCapture(t testing.TB, path string) []Packet {
	t.Helper()
	pkts, err := capture.ReadFile(path)
	if err != nil {
		t.Fatalf("testutil: %v", err)
	}
	return pkts
}

// WritePcap writes packets as a pcap file of the given link type in a fresh
// temporary directory and returns its path.
func WritePcap(t testing.TB, link layers.LinkType, packets ...[]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "packets.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, link); err != nil {
		t.Fatal(err)
	}
	for i, p := range packets {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(int64(i), 0), CaptureLength: len(p), Length: len(p)}
		if err := w.WritePacket(ci, p); err != nil {
			t.Fatalf("testutil: writing packet %d: %v", i+1, err)
		}
	}
	return path
}
