// SPDX-License-Identifier: LGPL-2.1-or-later
// vcsim: govmomi's VI API simulator (Debian's golang-github-vmware-govmomi-dev,
// package simulator) as a small program for esx-driver's tests: a second,
// independent server beside esx-sim.
//
//	vcsim [-esx] [-cert-out FILE]
//
// The first line on stdout is "vcsim listening on https://127.0.0.1:PORT/sdk";
// the server certificate is govmomi's default (a 1024-bit RSA key), written
// as PEM to FILE when asked. Credentials: user "user", password "pass".
// It stops on SIGINT or SIGTERM.
package main

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/pem"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

func hexColons(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}

func main() {
	esx := flag.Bool("esx", false, "simulate a standalone ESX host instead of a vCenter")
	certOut := flag.String("cert-out", "", "write the server certificate (PEM) to this file")
	flag.Parse()

	model := simulator.VPX()
	if *esx {
		model = simulator.ESX()
	}
	if err := model.Create(); err != nil {
		fmt.Fprintln(os.Stderr, "vcsim:", err)
		os.Exit(1)
	}
	model.Service.TLS = new(tls.Config)
	model.Service.Listen = &url.URL{Host: "127.0.0.1:0"}
	server := model.Service.NewServer()

	der := server.Certificate().Raw
	if *certOut != "" {
		block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		if err := os.WriteFile(*certOut, block, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "vcsim:", err)
			os.Exit(1)
		}
	}
	u := *server.URL
	u.User = nil
	fmt.Printf("vcsim listening on %s\n", u.String())
	s1 := sha1.Sum(der)
	s256 := sha256.Sum256(der)
	fmt.Printf("thumbprint sha1 %s\n", hexColons(s1[:]))
	fmt.Printf("thumbprint sha256 %s\n", hexColons(s256[:]))
	os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	server.Close()
	model.Remove()
}
