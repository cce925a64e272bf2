package ipsec

import (
	"errors"
	"net/netip"
	"sync"
)

// Inbound is an inbound SA as the database holds it: *InboundESP or
// *InboundAH.
type Inbound interface {
	SPI() uint32
	Protocol() Protocol
	Addrs() (src, dst netip.Addr)
}

// Database is a Security Association Database for inbound traffic (RFC 4301
// §4.4.2): it finds the SA for a received packet by protocol and SPI, then
// by destination and source address where the SA names them (an unset
// address matches any; the most specific match wins, RFC 4301 §4.1). It is
// safe for concurrent use; lookups allocate nothing.
type Database struct {
	mu sync.RWMutex
	m  map[dbKey][]Inbound
}

type dbKey struct {
	proto Protocol
	spi   uint32
}

// ErrDuplicateSA is returned by Add for an SA with the same protocol, SPI
// and addresses as one already present.
var ErrDuplicateSA = errors.New("ipsec: an SA with this protocol, SPI and addresses is already in the database")

// Add inserts an inbound SA.
func (db *Database) Add(sa Inbound) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.m == nil {
		db.m = make(map[dbKey][]Inbound)
	}
	k := dbKey{sa.Protocol(), sa.SPI()}
	s, d := sa.Addrs()
	for _, o := range db.m[k] {
		if os, od := o.Addrs(); os == s && od == d {
			return ErrDuplicateSA
		}
	}
	db.m[k] = append(db.m[k], sa)
	return nil
}

// Remove deletes an SA and reports whether it was present.
func (db *Database) Remove(sa Inbound) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	k := dbKey{sa.Protocol(), sa.SPI()}
	list := db.m[k]
	for i, o := range list {
		if o == sa {
			list = append(list[:i:i], list[i+1:]...)
			if len(list) == 0 {
				delete(db.m, k)
			} else {
				db.m[k] = list
			}
			return true
		}
	}
	return false
}

// Len returns the number of SAs held.
func (db *Database) Len() int {
	db.mu.RLock()
	defer db.mu.RUnlock()
	n := 0
	for _, l := range db.m {
		n += len(l)
	}
	return n
}

// Lookup returns the SA for a packet of protocol proto with the given SPI,
// source and destination, or nil.
func (db *Database) Lookup(proto Protocol, spi uint32, src, dst netip.Addr) Inbound {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var best Inbound
	bestScore := -1
	for _, sa := range db.m[dbKey{proto, spi}] {
		s, d := sa.Addrs()
		score := 0
		if d.IsValid() {
			if d != dst {
				continue
			}
			score += 2
		}
		if s.IsValid() {
			if s != src {
				continue
			}
			score++
		}
		if score > bestScore {
			best, bestScore = sa, score
		}
	}
	return best
}

// ESP returns the inbound ESP SA for the SPI and addresses, or nil.
func (db *Database) ESP(spi uint32, src, dst netip.Addr) *InboundESP {
	sa, _ := db.Lookup(ProtoESP, spi, src, dst).(*InboundESP)
	return sa
}

// AH returns the inbound AH SA for the SPI and addresses, or nil.
func (db *Database) AH(spi uint32, src, dst netip.Addr) *InboundAH {
	sa, _ := db.Lookup(ProtoAH, spi, src, dst).(*InboundAH)
	return sa
}
