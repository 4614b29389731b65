package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runMainEnv makes the test binary act as the detlint command, so the test
// can check real exit statuses without building a separate binary.
const runMainEnv = "DETLINT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main() // singlechecker.Main exits with the command's status
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runCommand runs the command on ./... in a scratch module holding src as its
// only file, and returns stderr and the exit status.
func runCommand(t *testing.T, src string) (string, int) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"go.mod":     "module scratch\n\ngo 1.26\n",
		"scratch.go": src,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stderr.String(), 0
	case errors.As(err, &exit):
		return stderr.String(), exit.ExitCode()
	default:
		t.Fatal(err)
		return "", 0
	}
}

func TestExitStatus(t *testing.T) {
	out, code := runCommand(t, "package scratch\n\nimport \"time\"\n\nvar _ = time.Now\n")
	if code != 3 {
		t.Errorf("bad package: exit status %d, want 3; output:\n%s", code, out)
	}
	if want := `scratch.go:3:8: detlint: import of "time" is forbidden in simulated code`; !strings.Contains(out, want) {
		t.Errorf("bad package: output lacks %q:\n%s", want, out)
	}

	out, code = runCommand(t, "package scratch\n\nfunc Add(a, b int) int { return a + b }\n")
	if code != 0 || out != "" {
		t.Errorf("clean package: exit status %d, output %q; want 0 and no output", code, out)
	}
}
