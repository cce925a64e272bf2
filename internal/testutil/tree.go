package testutil

// TreeFields flattens a decode built in the shape of one packet's "layers"
// object in tshark's JSON (protocol name → object or array of objects;
// object → field name → value, nested objects; a []any holds a repeated
// key's values in order) exactly as ParseTsharkJSON flattens tshark's own
// output. A test that renders its own decode in tshark's shape gets the
// values of each field name in the same order tshark's do, which matters
// where a name repeats at several depths (an IP header quoted in ICMP,
// isakmp.nextpayload in the header, each payload, proposal and transform).
// Leaves are strings.
func TreeFields(tree map[string]any) Fields {
	f := Fields{}
	flatten(f, "", tree)
	return f
}
