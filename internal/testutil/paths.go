// Package testutil holds the conformance harness every protocol package's
// tests share: locating the module and the public vectors, reading captures,
// loading and running tshark, and checking our decode of each packet against
// tshark's with an exact round trip.
//
// It is imported only from _test.go files.
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where missing tools
// and vectors are failures rather than skips.
func InCI() bool { return os.Getenv("CI") == "true" }

// Root returns the module root: the nearest directory above the working
// directory that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testutil: getwd: %v", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("testutil: no go.mod above %s", dir)
		}
	}
}

// Testdata returns the path of elem under the module's testdata directory.
func Testdata(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Root(t), "testdata"}, elem...)...)
}

// VectorsEnv names the environment variable that overrides where the public
// vectors are looked for.
const VectorsEnv = "TUNNELCODEC_VECTORS"

// Vectors returns the path of elem under the public conformance vectors,
// ../shared/vectors from the module root (or $TUNNELCODEC_VECTORS, or the
// first shared/vectors found walking up from the module root). Where the
// directory is absent, as in a user's clone, the test is skipped with the
// path it looked for; under CI it fails instead, since CI always has them.
func Vectors(t testing.TB, elem ...string) string {
	t.Helper()
	dir := VectorsDir(t)
	return filepath.Join(append([]string{dir}, elem...)...)
}

// VectorsDir is Vectors with no elements: the vectors directory itself.
func VectorsDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv(VectorsEnv); d != "" {
		if isDir(d) {
			return d
		}
		missing(t, d)
	}
	root := Root(t)
	want := filepath.Join(root, "..", "shared", "vectors")
	for d := root; ; d = filepath.Dir(d) {
		if c := filepath.Join(d, "shared", "vectors"); isDir(c) {
			return c
		}
		if c := filepath.Join(d, "..", "shared", "vectors"); isDir(c) {
			return c
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	missing(t, want)
	return ""
}

func missing(t testing.TB, path string) {
	t.Helper()
	if InCI() {
		t.Fatalf("public vectors not found at %s (CI must have them; set %s)", path, VectorsEnv)
	}
	t.Skipf("public vectors not found at %s: these tests need ../shared/vectors (or %s)", path, VectorsEnv)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
