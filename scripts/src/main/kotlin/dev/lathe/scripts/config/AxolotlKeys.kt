package dev.lathe.scripts.config

/**
 * Axolotl keys that mean nothing in Lathe (GPU kernels, quantisation, distributed launchers,
 * experiment trackers, hub uploads): accepted with a warning that says why, never in silence.
 * Every other key is either read by the binder or rejected as unknown.
 */
object AxolotlKeys {
    private const val GPU = "a CUDA attention/kernel option; Lathe uses libtorch's attention on every device"
    private const val QUANT = "quantised loading is not supported; the model loads in its saved dtype"
    private const val DIST = "model sharding (DeepSpeed/FSDP) and device maps are not used; Lathe scales out by data parallelism (--num-processes N or torchrun's variables)"
    private const val TRACK = "experiment trackers are not integrated; see output_dir/metrics.jsonl and plots/"
    private const val HUB = "no model hub is reachable; models and datasets are local folders and files"
    private const val NOOP = "has no effect in Lathe"

    val ignored: Map<String, String> = buildMap {
        for (k in listOf("flash_attention", "flash_attn_cross_entropy", "flash_attn_rms_norm", "flash_attn_fuse_qkv",
            "flash_attn_fuse_mlp", "sdp_attention", "xformers_attention", "s2_attention", "flash_optimum",
            "flex_attention", "liger_rope", "liger_rms_norm", "liger_glu_activation", "liger_layer_norm",
            "liger_fused_linear_cross_entropy", "dpo_use_liger_kernel", "unsloth_cross_entropy_loss",
            "unsloth_lora_mlp", "unsloth_lora_qkv", "unsloth_lora_o", "tf32", "torch_compile", "torch_compile_backend")) put(k, GPU)
        for (k in listOf("load_in_4bit", "load_in_8bit", "gptq", "bnb_config_kwargs", "gptq_groupsize", "gptq_model_v1")) put(k, QUANT)
        for (k in listOf("deepspeed", "fsdp", "fsdp_config", "ddp_broadcast_buffers",
            "ddp_find_unused_parameters", "local_rank", "device_map", "max_memory", "gpu_memory_limit", "lora_on_cpu",
            "torchdistx_path")) put(k, DIST)
        for (k in listOf("wandb_mode", "wandb_project", "wandb_entity", "wandb_watch", "wandb_name", "wandb_run_id",
            "wandb_log_model", "mlflow_tracking_uri", "mlflow_experiment_name", "hf_mlflow_log_artifacts",
            "use_wandb", "use_mlflow", "use_tensorboard", "comet_api_key", "comet_workspace", "comet_project_name")) put(k, TRACK)
        for (k in listOf("hub_model_id", "hub_strategy", "push_dataset_to_hub", "hf_use_auth_token", "revision_of_model",
            "base_model_ignore_patterns", "push_to_hub")) put(k, HUB)
        for (k in listOf("trust_remote_code", "tokenizer_use_fast", "tokenizer_legacy", "tokenizer_type",
            "resize_token_embeddings_to_32x", "is_falcon_derived_model", "is_llama_derived_model", "is_qwen_derived_model",
            "is_mistral_derived_model", "strict", "debug", "dataset_processes", "dataset_num_proc", "dataset_keep_in_memory",
            "remove_unused_columns", "save_safetensors", "group_by_length", "pad_to_sequence_len", "eval_sample_packing",
            "sample_packing_eff_est", "total_num_tokens", "eval_table_size", "eval_max_new_tokens", "eval_causal_lm_metrics",
            "gradient_checkpointing_kwargs", "plugins", "train_on_inputs", "max_prompt_len", "dataloader_num_workers", "dataloader_pin_memory",
            "dataloader_prefetch_factor", "include_tokens_per_second", "lr_quadratic_warmup", "optim_args",
            "optim_target_modules", "trainer_cls")) put(k, NOOP)
    }

    /** Keys Axolotl has that Lathe refuses outright, with the reason (silently ignoring them would change results). */
    val refused: Map<String, String> = mapOf(
        "sample_packing" to "must not be true with rl (Axolotl refuses it too); use dpo_padding_free for padding-free batches",
        "fp16" to "fp16 autocast is not supported on CPU; use bf16: true",
        "float16" to "fp16 weights are not supported on CPU; use bf16: true (bf16 autocast)",
        "bfloat16" to "bf16 weights without autocast are not supported; use bf16: true (bf16 autocast)",
        "special_tokens" to "adding or changing special tokens is not supported; edit the model folder's tokenizer",
        "tokens" to "adding tokens to the vocabulary is not supported",
        "default_system_message" to "not supported; put the system message in the data",
        "lr_scheduler_kwargs" to "scheduler arguments are not supported; use warmup_* and cosine_min_lr_ratio",
        "cosine_constant_lr_ratio" to "not implemented",
        "relora_steps" to "ReLoRA is not implemented",
        "neftune_noise_alpha" to "NEFTune is not implemented",
        "dpo_use_weighting" to "WPO weighting is not implemented",
        "dpo_norm_loss" to "removed from TRL (>= 0.29); not implemented",
        "lora_fan_in_fan_out" to "fan-in/fan-out LoRA layout (GPT-2 Conv1D) is not supported",
        "process_reward_model" to "process reward models are not implemented",
    )
}
