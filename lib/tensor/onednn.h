/*
 * oneDNN, loaded on first use. libdnnl and what it brings (libgomp, libstdc++, libOpenCL)
 * cost every process 1.3 ms to map and relocate, which a clone, a resolve or a tokenizer
 * never needs: only products do (matmul.c, gemm.c). They reach oneDNN through the table
 * below, under oneDNN's own names, after hfgit_onednn__load() has filled it.
 *
 * OpenMP comes with it: oneDNN runs on libgomp, whose thread count hfgit keeps at 1 inside
 * its own workers. hfgit_omp__* load oneDNN first; without it nothing runs OpenMP, and they
 * do nothing.
 */
#ifndef HFGIT_TENSOR_ONEDNN_H
#define HFGIT_TENSOR_ONEDNN_H

#include <oneapi/dnnl/dnnl.h>

#define HFGIT_ONEDNN_FUNCTIONS(X)                                                          \
	X(dnnl_engine_create)                                                                \
	X(dnnl_get_effective_cpu_isa)                                                        \
	X(dnnl_matmul_desc_init)                                                             \
	X(dnnl_memory_create)                                                                \
	X(dnnl_memory_desc_get_size)                                                         \
	X(dnnl_memory_desc_init_by_strides)                                                  \
	X(dnnl_memory_desc_init_by_tag)                                                      \
	X(dnnl_memory_destroy)                                                               \
	X(dnnl_post_ops_append_eltwise)                                                      \
	X(dnnl_post_ops_create)                                                              \
	X(dnnl_post_ops_destroy)                                                             \
	X(dnnl_primitive_attr_create)                                                        \
	X(dnnl_primitive_attr_destroy)                                                       \
	X(dnnl_primitive_attr_set_post_ops)                                                  \
	X(dnnl_primitive_attr_set_scratchpad_mode)                                           \
	X(dnnl_primitive_create)                                                             \
	X(dnnl_primitive_desc_create)                                                        \
	X(dnnl_primitive_desc_destroy)                                                       \
	X(dnnl_primitive_desc_query_md)                                                      \
	X(dnnl_primitive_destroy)                                                            \
	X(dnnl_primitive_execute)                                                            \
	X(dnnl_primitive_get_primitive_desc)                                                 \
	X(dnnl_reorder_primitive_desc_create)                                                \
	X(dnnl_sgemm)                                                                        \
	X(dnnl_stream_create)                                                                \
	X(dnnl_stream_destroy)                                                               \
	X(dnnl_stream_wait)

typedef struct {
#define HFGIT_ONEDNN_POINTER(name) __typeof__(name) *name;
	HFGIT_ONEDNN_FUNCTIONS(HFGIT_ONEDNN_POINTER)
#undef HFGIT_ONEDNN_POINTER
	int (*omp_get_max_threads)(void);
	void (*omp_set_num_threads)(int);
} hfgit_onednn_api;

extern hfgit_onednn_api hfgit__onednn;

/* Loads oneDNN once (later calls return the first answer): 0, or an error set naming the
 * library and what to install. */
int hfgit_onednn__load(void);

/* omp_get_max_threads (1 without oneDNN) and omp_set_num_threads of the calling thread. */
int hfgit_omp__max_threads(void);
void hfgit_omp__set_threads(int n);

/* oneDNN's functions by their own names, through the table: only after a load returned 0
 * (onednn.c, which fills the table, sees the library's names). */
#ifndef HFGIT_ONEDNN_LOADER
#define dnnl_engine_create (*hfgit__onednn.dnnl_engine_create)
#define dnnl_get_effective_cpu_isa (*hfgit__onednn.dnnl_get_effective_cpu_isa)
#define dnnl_matmul_desc_init (*hfgit__onednn.dnnl_matmul_desc_init)
#define dnnl_memory_create (*hfgit__onednn.dnnl_memory_create)
#define dnnl_memory_desc_get_size (*hfgit__onednn.dnnl_memory_desc_get_size)
#define dnnl_memory_desc_init_by_strides (*hfgit__onednn.dnnl_memory_desc_init_by_strides)
#define dnnl_memory_desc_init_by_tag (*hfgit__onednn.dnnl_memory_desc_init_by_tag)
#define dnnl_memory_destroy (*hfgit__onednn.dnnl_memory_destroy)
#define dnnl_post_ops_append_eltwise (*hfgit__onednn.dnnl_post_ops_append_eltwise)
#define dnnl_post_ops_create (*hfgit__onednn.dnnl_post_ops_create)
#define dnnl_post_ops_destroy (*hfgit__onednn.dnnl_post_ops_destroy)
#define dnnl_primitive_attr_create (*hfgit__onednn.dnnl_primitive_attr_create)
#define dnnl_primitive_attr_destroy (*hfgit__onednn.dnnl_primitive_attr_destroy)
#define dnnl_primitive_attr_set_post_ops (*hfgit__onednn.dnnl_primitive_attr_set_post_ops)
#define dnnl_primitive_attr_set_scratchpad_mode                                             \
	(*hfgit__onednn.dnnl_primitive_attr_set_scratchpad_mode)
#define dnnl_primitive_create (*hfgit__onednn.dnnl_primitive_create)
#define dnnl_primitive_desc_create (*hfgit__onednn.dnnl_primitive_desc_create)
#define dnnl_primitive_desc_destroy (*hfgit__onednn.dnnl_primitive_desc_destroy)
#define dnnl_primitive_desc_query_md (*hfgit__onednn.dnnl_primitive_desc_query_md)
#define dnnl_primitive_destroy (*hfgit__onednn.dnnl_primitive_destroy)
#define dnnl_primitive_execute (*hfgit__onednn.dnnl_primitive_execute)
#define dnnl_primitive_get_primitive_desc (*hfgit__onednn.dnnl_primitive_get_primitive_desc)
#define dnnl_reorder_primitive_desc_create (*hfgit__onednn.dnnl_reorder_primitive_desc_create)
#define dnnl_sgemm (*hfgit__onednn.dnnl_sgemm)
#define dnnl_stream_create (*hfgit__onednn.dnnl_stream_create)
#define dnnl_stream_destroy (*hfgit__onednn.dnnl_stream_destroy)
#define dnnl_stream_wait (*hfgit__onednn.dnnl_stream_wait)
#endif

#endif
