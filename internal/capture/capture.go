// Package capture reads pcap and pcapng files into memory, for the
// conformance tests and tundump.
package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Packet is one frame of a capture.
type Packet struct {
	Number int // 1-based, as tshark counts frames
	Data   []byte
	Info   gopacket.CaptureInfo
	Link   layers.LinkType
}

// ReadFile reads every packet of a pcap or pcapng file.
func ReadFile(path string) ([]Packet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads a pcap or pcapng stream; name labels errors.
func Read(r io.Reader, name string) ([]Packet, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("%s: not a pcap or pcapng file: %w", name, err)
	}
	type source interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var src source
	var link func() layers.LinkType
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		ng, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, fmt.Errorf("%s: pcapng: %w", name, err)
		}
		src, link = ng, ng.LinkType
	} else {
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: pcap: %w", name, err)
		}
		src, link = pr, pr.LinkType
	}
	var out []Packet
	for n := 1; ; n++ {
		data, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("%s: frame %d: %w", name, n, err)
		}
		out = append(out, Packet{Number: n, Data: data, Info: ci, Link: link()})
	}
}
