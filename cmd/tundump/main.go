// Command tundump decodes the tunnels in a capture: one line per packet with
// the layer stack and the key fields of each tunnel header, like tshark's
// summary line; -V prints every field, -json one JSON object per packet.
//
//	go run ./cmd/tundump                 # a small capture built into the binary
//	go run ./cmd/tundump -r file.pcapng  # pcap or pcapng
//	go run ./cmd/tundump -r file.pcap -V
//	go run ./cmd/tundump -r file.pcap -json
//
// Every tunnelcodec package's Register is called, so gopacket decodes VXLAN
// on UDP 4789/4790 (and -vxlan-port adds more).
package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/capture"
)

// The built-in sample: the Linux kernel's VXLAN (plain, GBP, GPE, IPv6
// underlay), scapy's PPTP and routed GRE, 4in6 with an encapsulation limit
// and 6in4, and the start of a strongSwan IKEv2 + ESP session whose keys
// (from strongSwan's own logs, testdata/strongswan/psk-aesgcm) are built in
// too, so the ESP and IKE_AUTH payloads show decrypted.
var (
	//go:embed sample.pcap
	sample []byte
	//go:embed sample-esp_sa.uat
	sampleESPSA []byte
	//go:embed sample-ikev2_decryption_table.uat
	sampleIKEv2Keys []byte
	// usingSample is set when no -r was given.
	usingSample bool
)

// openKeys opens a key table named by a flag, or with no flag and the
// built-in sample, the sample's own table; nil when there is none.
func openKeys(path string, builtin []byte) (io.ReadCloser, string, error) {
	if path != "" {
		f, err := os.Open(path)
		return f, path, err
	}
	if usingSample {
		return io.NopCloser(bytes.NewReader(builtin)), "built-in sample keys", nil
	}
	return nil, "", nil
}

// field is one named value of a layer, in wire order.
type field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// describer renders one of our layers: a short summary for the one-line
// view and its fields for -V and -json.
type describer func(l gopacket.Layer) (summary string, fields []field)

var (
	describers    = map[gopacket.LayerType]describer{}
	registrations []func()
	flagSetups    []func(*flag.FlagSet)
	preRun        []func() error // run after flags are parsed (load keys, …)
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tundump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("r", "", "capture to read, pcap or pcapng (default: a built-in sample)")
	verbose := fs.Bool("V", false, "print every field of every tunnel layer")
	asJSON := fs.Bool("json", false, "print one JSON object per packet")
	for _, f := range flagSetups {
		f(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: tundump [-r file.pcap|.pcapng] [-V] [-json] [options]\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tundump: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	usingSample = *file == ""
	for _, r := range registrations {
		r()
	}
	for _, p := range preRun {
		if err := p(); err != nil {
			fmt.Fprintf(stderr, "tundump: %v\n", err)
			return 1
		}
	}

	var pkts []capture.Packet
	var err error
	if *file == "" {
		pkts, err = capture.Read(bytes.NewReader(sample), "built-in sample")
	} else {
		pkts, err = capture.ReadFile(*file)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tundump: %v\n", err)
		if len(pkts) == 0 {
			return 1
		}
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	var t0 time.Time
	for _, p := range pkts {
		if t0.IsZero() {
			t0 = p.Info.Timestamp
		}
		pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
		switch {
		case *asJSON:
			if err := enc.Encode(packetJSON(p, pkt)); err != nil {
				fmt.Fprintf(stderr, "tundump: %v\n", err)
				return 1
			}
		default:
			fmt.Fprintf(w, "%5d %10.6f %s\n", p.Number, p.Info.Timestamp.Sub(t0).Seconds(), summary(pkt))
			if *verbose {
				detail(w, pkt)
			}
		}
	}
	if err != nil {
		return 1
	}
	return 0
}

// summary is the one-line view: endpoints of the outermost network layer,
// then the layer stack with each tunnel header's key fields in brackets.
func summary(pkt gopacket.Packet) string {
	var b strings.Builder
	if nl := pkt.NetworkLayer(); nl != nil {
		src, dst := nl.NetworkFlow().Endpoints()
		fmt.Fprintf(&b, "%s → %s ", src, dst)
	}
	for i, l := range pkt.Layers() {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(l.LayerType().String())
		if d, ok := describers[l.LayerType()]; ok {
			if s, _ := d(l); s != "" {
				b.WriteString("[" + s + "]")
			}
		}
	}
	if el := pkt.ErrorLayer(); el != nil {
		fmt.Fprintf(&b, " !%v", el.Error())
	}
	return b.String()
}

func detail(w io.Writer, pkt gopacket.Packet) {
	for _, l := range pkt.Layers() {
		d, ok := describers[l.LayerType()]
		if !ok {
			fmt.Fprintf(w, "    %s (%d bytes)\n", l.LayerType(), len(l.LayerContents()))
			continue
		}
		_, fields := d(l)
		fmt.Fprintf(w, "    %s (%d bytes)\n", l.LayerType(), len(l.LayerContents()))
		for _, f := range fields {
			fmt.Fprintf(w, "        %s: %s\n", f.Name, f.Value)
		}
	}
}

type jsonLayer struct {
	Type    string  `json:"type"`
	Length  int     `json:"length"`
	Summary string  `json:"summary,omitempty"`
	Fields  []field `json:"fields,omitempty"`
}

type jsonPacket struct {
	Frame  int         `json:"frame"`
	Time   time.Time   `json:"time"`
	Length int         `json:"length"`
	Layers []jsonLayer `json:"layers"`
	Error  string      `json:"error,omitempty"`
}

func packetJSON(p capture.Packet, pkt gopacket.Packet) jsonPacket {
	out := jsonPacket{Frame: p.Number, Time: p.Info.Timestamp, Length: len(p.Data)}
	for _, l := range pkt.Layers() {
		jl := jsonLayer{Type: l.LayerType().String(), Length: len(l.LayerContents())}
		if d, ok := describers[l.LayerType()]; ok {
			jl.Summary, jl.Fields = d(l)
		}
		out.Layers = append(out.Layers, jl)
	}
	if el := pkt.ErrorLayer(); el != nil {
		out.Error = el.Error().Error()
	}
	return out
}
