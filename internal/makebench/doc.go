// Package makebench tests the Makefile's choice of how make bench runs on each OS.
package makebench
