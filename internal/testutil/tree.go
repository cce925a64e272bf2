package testutil

// TreeFields flattens a decode built in the shape of tshark's JSON tree
// (protocol name → object or array of objects; object → field name → value,
// nested objects and arrays) the way ParseTsharkJSON flattens tshark's own
// output: keys sorted at each level, arrays in order. A test that builds its
// own decode as such a tree gets values in the same order as tshark's,
// including where tshark nests protocols (an IP header quoted in ICMP).
func TreeFields(tree map[string]any) Fields {
	f := Fields{}
	flatten(f, "", tree)
	return f
}
