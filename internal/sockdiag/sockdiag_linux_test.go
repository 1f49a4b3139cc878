package sockdiag

import (
	"net"
	"testing"

	"github.com/conclab/conclab/internal/sysinfo"
)

func TestADumpKeepsThePortsSocketsInTheAskedStates(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	d, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, tc := range []struct {
		name   string
		states States
		want   map[State]int
	}{
		{"every state", AllButClose, map[State]int{StateListen: 1, StateEstablished: 1}},
		{"listening only", Of(StateListen), map[State]int{StateListen: 1}},
		{"handshakes only", Of(StateSynRecv), map[State]int{}},
	} {
		got := map[State]int{}
		var backlog uint32
		err := d.Dump(IPv4|IPv6, port, tc.states, func(s Socket) {
			if int(s.Local.Port()) != port {
				t.Errorf("%s: a socket of port %d", tc.name, s.Local.Port())
			}
			got[s.State]++
			if s.State == StateListen {
				backlog = s.WQueue
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		for st, n := range tc.want {
			if got[st] != n {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		// net.Listen asks for somaxconn, which the kernel keeps.
		if want := sysinfo.Somaxconn(); got[StateListen] == 1 && int(backlog) != want {
			t.Errorf("%s: the listener's backlog reads %d, want somaxconn %d", tc.name, backlog, want)
		}
	}
}

func TestADumpOfTheOtherFamilyFindsNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		families Families
		want     int
	}{{IPv4, 1}, {IPv6, 0}, {IPv4 | IPv6, 1}} {
		n := 0
		if err := d.Dump(tc.families, port, Of(StateListen), func(Socket) { n++ }); err != nil {
			t.Fatal(err)
		}
		if n != tc.want {
			t.Errorf("families %b: %d listeners, want %d", tc.families, n, tc.want)
		}
	}
}

func TestADumpOfAPortOutOfRangeFails(t *testing.T) {
	d, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Dump(IPv4|IPv6, 0, AllButClose, func(Socket) {}); err == nil {
		t.Error("port 0: no error")
	}
}
