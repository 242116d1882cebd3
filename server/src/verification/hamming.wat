(module
  (memory (export "memory") 1)
  ;; For each of $n descriptors at $q (32 bytes each): the index of its closest of the $m descriptors at $t by
  ;; Hamming distance, that distance and the second smallest, as three i32 at $out. A tie keeps the earlier index,
  ;; as OpenCV's BFMatcher does. Compiled into hamming-wasm.ts by scripts/build-hamming-wasm.js.
  (func (export "nearestTwo") (param $q i32) (param $n i32) (param $t i32) (param $m i32) (param $out i32)
    (local $i i32) (local $j i32) (local $tp i32)
    (local $a0 i64) (local $a1 i64) (local $a2 i64) (local $a3 i64)
    (local $d i32) (local $b1 i32) (local $b2 i32) (local $bj i32)
    (block $done_i (loop $each_i
      (br_if $done_i (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $a0 (i64.load offset=0 (local.get $q)))
      (local.set $a1 (i64.load offset=8 (local.get $q)))
      (local.set $a2 (i64.load offset=16 (local.get $q)))
      (local.set $a3 (i64.load offset=24 (local.get $q)))
      (local.set $b1 (i32.const 1000)) (local.set $b2 (i32.const 1000)) (local.set $bj (i32.const -1))
      (local.set $j (i32.const 0)) (local.set $tp (local.get $t))
      (block $done_j (loop $each_j
        (br_if $done_j (i32.ge_u (local.get $j) (local.get $m)))
        (local.set $d (i32.wrap_i64 (i64.add
          (i64.add (i64.popcnt (i64.xor (local.get $a0) (i64.load offset=0 (local.get $tp))))
                   (i64.popcnt (i64.xor (local.get $a1) (i64.load offset=8 (local.get $tp)))))
          (i64.add (i64.popcnt (i64.xor (local.get $a2) (i64.load offset=16 (local.get $tp))))
                   (i64.popcnt (i64.xor (local.get $a3) (i64.load offset=24 (local.get $tp))))))))
        (if (i32.lt_u (local.get $d) (local.get $b1))
          (then (local.set $b2 (local.get $b1)) (local.set $b1 (local.get $d)) (local.set $bj (local.get $j)))
          (else (if (i32.lt_u (local.get $d) (local.get $b2)) (then (local.set $b2 (local.get $d))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $tp (i32.add (local.get $tp) (i32.const 32)))
        (br $each_j)))
      (i32.store offset=0 (local.get $out) (local.get $bj))
      (i32.store offset=4 (local.get $out) (local.get $b1))
      (i32.store offset=8 (local.get $out) (local.get $b2))
      (local.set $out (i32.add (local.get $out) (i32.const 12)))
      (local.set $q (i32.add (local.get $q) (i32.const 32)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $each_i)))))
