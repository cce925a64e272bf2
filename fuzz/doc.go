// Package fuzz holds the native Go fuzz targets for every tunnelcodec
// decoder: decoding never panics, decode→encode→decode is stable and
// byte-exact for every input that decodes, and differential targets compare
// with gopacket's layers where gopacket has one. Seeds come from the golden
// captures in testdata/ (and ../shared/vectors when present); the corpora
// the fuzzer finds are kept in testdata/fuzz/.
//
// .ci/run runs each target briefly:
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzVXLAN$' -fuzztime 10s
package fuzz
