package composetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/internal/testbin"
)

// sshBox is a stock sshd (Debian's openssh-server) that the test starts on
// a loopback port, in front of this machine's own engine, and a client
// that trusts it: what a user's remote box and laptop are.
type sshBox struct {
	dir    string
	port   int
	log    *lockedBuffer
	binDir string // holds an ssh that uses the test's client config
}

// startSSHD starts the sshd; it is stopped when the test ends. Only what
// a test must change from the stock configuration is set: the port and
// address, the keys, and no PAM.
func startSSHD(t *testing.T) *sshBox {
	t.Helper()
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		for _, p := range []string{"/usr/sbin/sshd", "/sbin/sshd"} {
			if _, serr := os.Stat(p); serr == nil {
				sshd, err = p, nil
			}
		}
	}
	if err != nil {
		testbin.Missing(t, "no sshd here (Debian package openssh-server; deploy/ci-install.sh installs it)")
	}
	if os.Getuid() == 0 {
		// Debian's sshd refuses to start without its privilege
		// separation folder, which its service would make.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b := &sshBox{dir: t.TempDir(), port: deploytest.FreePort(t), log: &lockedBuffer{}}
	key := func(name string) {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(b.dir, name)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	key("host_key")
	key("id")
	pub, err := os.ReadFile(filepath.Join(b.dir, "id.pub"))
	if err != nil {
		t.Fatal(err)
	}
	hostPub, err := os.ReadFile(filepath.Join(b.dir, "host_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	b.write(t, "authorized_keys", string(pub))
	b.write(t, "known_hosts", fmt.Sprintf("[127.0.0.1]:%d %s", b.port, hostPub))
	b.write(t, "sshd_config", fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\n"+
		"PidFile %s\nUsePAM no\nPasswordAuthentication no\nStrictModes no\nLogLevel VERBOSE\n",
		b.port, filepath.Join(b.dir, "host_key"), filepath.Join(b.dir, "authorized_keys"), filepath.Join(b.dir, "sshd.pid")))
	b.write(t, "ssh_config", fmt.Sprintf("Host 127.0.0.1\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n",
		filepath.Join(b.dir, "id"), filepath.Join(b.dir, "known_hosts")))
	// ssh reads the home folder of the password database, not $HOME: an
	// ssh first on PATH that names the test's client config stands in.
	realSSH, err := exec.LookPath("ssh")
	if err != nil {
		testbin.Missing(t, "no ssh client here (Debian package openssh-client)")
	}
	b.binDir = filepath.Join(b.dir, "bin")
	if err := os.MkdirAll(b.binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	b.write(t, "bin/ssh", fmt.Sprintf("#!/bin/sh\nexec %s -F %s \"$@\"\n", realSSH, filepath.Join(b.dir, "ssh_config")))
	if err := os.Chmod(filepath.Join(b.binDir, "ssh"), 0o755); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(sshd, "-D", "-e", "-f", filepath.Join(b.dir, "sshd_config"))
	cmd.Stdout, cmd.Stderr = b.log, b.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", b.port))
		if err == nil {
			c.Close()
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen within 10 s: %s", b.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *sshBox) write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(b.dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// env is what a client of the box sets: DOCKER_HOST, and the ssh that
// knows the box.
func (b *sshBox) env(user string) []string {
	return []string{fmt.Sprintf("DOCKER_HOST=ssh://%s@127.0.0.1:%d", user, b.port),
		"PATH=" + b.binDir + string(os.PathListSeparator) + os.Getenv("PATH")}
}

// sshUser is who the test logs in as: the user it runs as.
func sshUser() string {
	if u := os.Getenv("USER"); u != "" && os.Getuid() != 0 {
		return u
	}
	return "root"
}

// logins is how many times sshd let a client in.
func (b *sshBox) logins() int { return strings.Count(b.log.String(), "Accepted publickey") }

// TestMakeUpAndDownOverSSH runs make up OBSERVE=0 and make down with
// DOCKER_HOST=ssh://… through a stock sshd that the test starts, in front of
// this machine's engine: both work, sshd lets the client in once (every
// connection of compose and the docker CLI is a channel of one ssh login
// that forwards the engine's socket, deploy/sshtunnel.sh), make down closes
// that login, and no container of the project is left. An engine that ssh
// cannot reach stops make in one line, before anything runs.
func TestMakeUpAndDownOverSSH(t *testing.T) {
	requireCompose(t)
	if _, err := exec.LookPath("make"); err != nil {
		testbin.Missing(t, "no make here")
	}
	box := startSSHD(t)
	root := deploytest.Root(t)
	id := randomID(t)
	project, tag := "conclabtest"+id, "conclab-test-"+id+":latest"
	t.Cleanup(func() {
		_ = exec.Command("docker", "image", "rm", "-f", tag).Run()
		out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=com.docker.compose.project="+project).Output()
		for _, cid := range strings.Fields(string(out)) {
			t.Errorf("container %s of the project is left", cid)
			_ = exec.Command("docker", "rm", "-f", cid).Run()
		}
		_ = exec.Command("docker", "network", "rm", project+"_default").Run()
		vols, _ := exec.Command("docker", "volume", "ls", "-q", "--filter", "label=com.docker.compose.project="+project).Output()
		for _, v := range strings.Fields(string(vols)) {
			t.Errorf("volume %s of the project is left", v)
			_ = exec.Command("docker", "volume", "rm", "-f", v).Run()
		}
	})
	user := sshUser()
	make := func(env []string, args ...string) (string, error) {
		c := exec.Command("make", append([]string{"--no-print-directory", "-C", root}, args...)...)
		c.Env = append(cleanEnv(), env...)
		out, err := c.CombinedOutput()
		return string(out), err
	}
	vars := []string{"COMPOSE_PROJECT_NAME=" + project, "CONCLAB_IMAGE=" + tag, "CONCLAB_RESULTS=" + t.TempDir()}
	t.Cleanup(func() {
		// make down closes make's ssh login; a test that stopped before
		// it must not leave the login's ssh behind.
		c := exec.Command(filepath.Join(root, "deploy", "sshtunnel.sh"), "close", fmt.Sprintf("ssh://%s@127.0.0.1:%d", user, box.port))
		c.Env = append(cleanEnv(), box.env(user)...)
		_ = c.Run()
	})

	closed := []string{fmt.Sprintf("DOCKER_HOST=ssh://%s@127.0.0.1:%d", user, deploytest.FreePort(t)),
		"PATH=" + box.binDir + string(os.PathListSeparator) + os.Getenv("PATH")}
	out, err := make(closed, append([]string{"up", "OBSERVE=0"}, vars...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err == nil || len(lines) != 1 || !strings.Contains(lines[0], "no ssh connection to the engine's socket: ") {
		t.Errorf("make up against a port where no sshd listens: %v\n%s\nwant one line that says so", err, out)
	}

	if out, err := make(box.env(user), append([]string{"up", "OBSERVE=0"}, vars...)...); err != nil {
		t.Fatalf("make up over ssh: %v\n%s\nsshd:\n%s", err, out, box.log)
	}
	ps, err := exec.Command("docker", "ps", "-q", "--filter", "label=com.docker.compose.project="+project).Output()
	if n := len(strings.Fields(string(ps))); err != nil || n != 9 {
		t.Errorf("after make up over ssh: %d running containers of the project (%v), want the seed's 9", n, err)
	}
	// -v: the stack's named volumes (Prometheus's and Grafana's) are the
	// test project's, and go with it.
	if out, err := make(box.env(user), append([]string{"down", "DOWN_FLAGS=-v"}, vars...)...); err != nil {
		t.Fatalf("make down over ssh: %v\n%s\nsshd:\n%s", err, out, box.log)
	}
	if n := box.logins(); n != 1 {
		t.Errorf("sshd let the client in %d times, want 1: every connection a channel of one login", n)
	}
	if !waitFor(func() bool { return strings.Contains(box.log.String(), "Disconnected from user") }) {
		t.Errorf("make down did not close the ssh login:\n%s", box.log)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}
