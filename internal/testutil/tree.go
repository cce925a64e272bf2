package testutil

// FieldsFromTree flattens a tree shaped like one packet's "layers" object in
// tshark's JSON (objects nest; a []any holds a repeated key's values in
// order) exactly as ParseTsharkJSON flattens tshark's output. A test that
// renders its own decode in tshark's shape gets the values of each field
// name in the same order tshark's do, which matters where a name repeats at
// several depths (isakmp.nextpayload in the header, each payload, each
// proposal and transform). Leaves are strings.
func FieldsFromTree(tree map[string]any) Fields {
	f := Fields{}
	flatten(f, "", tree)
	return f
}
